"""WSGI entry point: `gunicorn wsgi:app`."""

from config import config_from_env
from ecolife import create_app

app = create_app(config_from_env())
