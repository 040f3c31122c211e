"""The container's entrypoint, run here with bash as the image runs it: `web` migrates and then
hands over to gunicorn, `worker` to `ecolife worker`, anything else runs as given.

The image itself cannot be built on a machine that cannot pull its base image; these are
the steps it takes, on this checkout and a real PostgreSQL database."""

import os
import sys
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text

from ecolife import embedded_db
from tests.conftest import fresh_database, worker_database
from tests.deploy.kit import DEPLOY, DOMAIN, ROOT, run

VENV_BIN = Path(sys.executable).parent
NOWHERE = "postgresql://nobody@127.0.0.1:1/none"
# A program standing in for gunicorn or ecolife: it says how it was called and exits.
STAND_IN = '#!/usr/bin/env bash\necho "$(basename "$0") $*"\necho "cwd $PWD"\n'


@pytest.fixture
def empty_database():
    url = fresh_database(worker_database("ecolife_deploy"))
    yield url
    embedded_db.drop_database(url)


@pytest.fixture
def stand_ins(tmp_path):
    """Return a callable that puts stand-ins for the named programs first on PATH."""

    def make(*names: str) -> str:
        for name in names:
            path = tmp_path / name
            path.write_text(STAND_IN)
            path.chmod(0o755)
        return f"{tmp_path}:{VENV_BIN}:{os.environ['PATH']}"

    return make


def entrypoint(*args: str, path: str, database_url: str = NOWHERE):
    """Run deploy/entrypoint.sh from the checkout's root with production settings."""
    environment = {
        "PATH": path,
        "HOME": os.environ.get("HOME", "/tmp"),
        "ECOLIFE_ENV": "production",
        "DATABASE_URL": database_url,
        "REDIS_URL": "redis://127.0.0.1:1/0",
        "SECRET_KEY": "k" * 48,
        "PUBLIC_BASE_URL": f"https://{DOMAIN}",
        "TRUSTED_PROXIES": "1",
        "SMTP_HOST": "smtp.example.go.th",
        "SMS_GATEWAY_URL": "https://sms.example.co.th/send",
    }
    return run(["bash", str(DEPLOY / "entrypoint.sh"), *args], cwd=ROOT, env=environment)


def migrated_to(url: str) -> str | None:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            exists = conn.scalar(text("SELECT to_regclass('alembic_version') IS NOT NULL"))
            return conn.scalar(text("SELECT version_num FROM alembic_version")) if exists else None
    finally:
        engine.dispose()


def head() -> str:
    return ScriptDirectory(str(ROOT / "migrations")).get_current_head()


def test_migrate_brings_an_empty_database_to_the_latest_migration(empty_database, stand_ins):
    done = entrypoint("migrate", path=stand_ins(), database_url=empty_database)
    assert done.returncode == 0, done.stderr
    assert migrated_to(empty_database) == head()


def test_web_migrates_then_hands_over_to_gunicorn_with_the_deploy_settings(
    empty_database, stand_ins
):
    done = entrypoint(
        "web", "--workers", "3", path=stand_ins("gunicorn"), database_url=empty_database
    )
    assert done.returncode == 0, done.stderr
    assert migrated_to(empty_database) == head()
    assert done.stdout.splitlines() == [
        "gunicorn -c deploy/gunicorn.conf.py --workers 3 wsgi:app",
        f"cwd {ROOT}",
    ]


def test_no_command_means_web_which_does_not_serve_an_unmigrated_database(stand_ins):
    done = entrypoint(path=stand_ins("gunicorn"))
    assert done.returncode != 0
    assert "migrating the database" in done.stderr
    assert "gunicorn" not in done.stdout


@pytest.mark.parametrize(
    ("args", "called"),
    [
        (["worker"], "ecolife worker"),
        (["worker", "--concurrency", "4"], "ecolife worker --concurrency 4"),
        (["ecolife", "backup", "/backups/ecolife.dump"], "ecolife backup /backups/ecolife.dump"),
    ],
)
def test_worker_and_other_commands_run_as_given_without_migrating(stand_ins, args, called):
    done = entrypoint(*args, path=stand_ins("ecolife"))
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == called
    assert "migrating" not in done.stderr
