"""The container kit: compose.yaml as Compose reads it, the Caddyfile as Caddy reads it, and
an env.example that names every setting and starts production once its secrets are filled."""

import json
import os
import re
import sys

import pytest
import yaml

from config import Config
from tests.deploy.kit import DEPLOY, DOMAIN, ROOT, example_settings, program, run

FILLED = {"SECRET_KEY": "s" * 48, "POSTGRES_PASSWORD": "0123456789abcdef", "ACME_EMAIL": "it@x.th"}
# The mail server and the SMS gateway reset codes and invites go through.
SENDERS = {"SMTP_HOST": "smtp.example.go.th", "SMS_GATEWAY_URL": "https://sms.example.co.th/send"}
# Read by config.py for the test suite only.
TEST_ONLY = {"TEST_DATABASE_URL"}


def compose_command() -> list[str]:
    """Docker Compose v2 (`docker compose`) or v1 (`docker-compose`); skip when neither."""
    if program("docker") and run(["docker", "compose", "version"]).returncode == 0:
        return ["docker", "compose"]
    if program("docker-compose"):
        return ["docker-compose"]
    pytest.skip(
        "no Docker Compose here (Debian: apt-get install --no-install-recommends docker-compose)"
    )


def compose_config(tmp_path, settings: dict[str, str]):
    """Run `compose config` on deploy/compose.yaml with `settings` as deploy/.env."""
    # A copy of the checkout's layout, so the test never writes deploy/.env into the tree.
    (tmp_path / "static").mkdir()
    deploy = tmp_path / "deploy"
    deploy.mkdir()
    for name in ("compose.yaml", "Caddyfile", "Dockerfile", "entrypoint.sh"):
        (deploy / name).write_bytes((DEPLOY / name).read_bytes())
    (deploy / ".env").write_text("".join(f"{key}={value}\n" for key, value in settings.items()))
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("COMPOSE_", "DOCKER_"))}
    return run(
        [*compose_command(), "-f", "deploy/compose.yaml", "config"], cwd=tmp_path, env=environment
    )


def test_compose_runs_postgres_redis_web_worker_and_caddy_from_the_example_settings(tmp_path):
    done = compose_config(tmp_path, example_settings() | FILLED)
    assert done.returncode == 0, done.stderr
    services = yaml.safe_load(done.stdout)["services"]
    assert set(services) == {"postgres", "redis", "web", "worker", "caddy"}
    assert services["postgres"]["image"].startswith(("postgres:16", "postgres:17"))
    for name in ("postgres", "redis", "web"):
        assert services[name]["healthcheck"]["test"], name
    for name in ("web", "worker"):
        app = services[name]
        assert app["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert app["depends_on"]["redis"]["condition"] == "service_healthy"
        assert app["environment"]["ECOLIFE_ENV"] == "production"
        assert app["environment"]["PUBLIC_BASE_URL"] == f"https://{DOMAIN}"
        assert app["environment"]["DATABASE_URL"] == (
            f"postgresql://ecolife:{FILLED['POSTGRES_PASSWORD']}@postgres:5432/ecolife"
        )
        assert app["environment"]["REDIS_URL"] == "redis://redis:6379/0"
        assert str(app["environment"]["TRUSTED_PROXIES"]) == "1"
        assert any(volume.startswith("instance:/app/instance") for volume in app["volumes"])
    assert services["web"]["command"] == ["web"]
    assert services["worker"]["command"] == ["worker"]
    assert services["worker"]["depends_on"]["web"]["condition"] == "service_healthy"
    assert any(volume.startswith("pgdata:") for volume in services["postgres"]["volumes"])
    assert {"80", "443"} <= {str(port.get("published", port)) for port in _ports(services)}


def _ports(services: dict) -> list:
    ports = services["caddy"]["ports"]
    return [port if isinstance(port, dict) else {"published": port.split(":")[0]} for port in ports]


@pytest.mark.parametrize("missing", ["POSTGRES_PASSWORD", "ECOLIFE_DOMAIN", "ACME_EMAIL"])
def test_compose_refuses_to_start_until_the_example_is_filled_in(tmp_path, missing):
    done = compose_config(tmp_path, example_settings() | FILLED | {missing: ""})
    assert done.returncode != 0
    assert f"set {missing} in deploy/.env" in done.stderr


def test_caddy_reads_the_caddyfile_and_limits_bodies_as_the_app_does():
    if not program("caddy"):
        pytest.skip("no caddy here (Debian: apt-get install caddy)")
    environment = os.environ | {"ECOLIFE_DOMAIN": DOMAIN, "ACME_EMAIL": "it@example.go.th"}
    done = run(
        ["caddy", "adapt", "--validate", "--config", str(DEPLOY / "Caddyfile")], env=environment
    )
    assert done.returncode == 0, done.stderr
    adapted = json.dumps(json.loads(done.stdout))
    assert f'"host": ["{DOMAIN}"]' in adapted
    assert f'"max_size": {Config.MAX_CONTENT_LENGTH}' in adapted
    assert f'"max_size": {Config.MAX_IMPORT_BYTES}' in adapted
    assert '"/api/v1/admin/shops/import"' in adapted
    assert '"upstreams": [{"dial": "web:8000"}]' in adapted


def test_env_example_names_every_setting_config_reads():
    source = (ROOT / "config.py").read_text()
    read = set(re.findall(r'_(?:env|database_url)\(\s*"([A-Z_]+)"', source)) | {"DATABASE_URL"}
    example = (DEPLOY / "env.example").read_text()
    named = set(re.findall(r"^#? ?([A-Z][A-Z_]+)=", example, flags=re.MULTILINE))
    assert read - TEST_ONLY - named == set()


def start_production(settings: dict[str, str]):
    """Import wsgi.py (as gunicorn does) with exactly these settings in the environment."""
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
    script = "import wsgi; print(wsgi.app.config['PUBLIC_BASE_URL'])"
    return run([sys.executable, "-c", script], cwd=ROOT, env=keep | settings)


def test_the_example_settings_start_production_once_the_secret_key_and_senders_are_set():
    started = start_production(example_settings() | {"SECRET_KEY": FILLED["SECRET_KEY"]} | SENDERS)
    assert started.returncode == 0, started.stderr
    assert started.stdout.strip() == f"https://{DOMAIN}"


def test_the_example_settings_are_refused_until_the_mail_and_sms_servers_are_set():
    started = start_production(example_settings() | {"SECRET_KEY": FILLED["SECRET_KEY"]})
    assert started.returncode != 0
    assert "SMTP_HOST and SMS_GATEWAY_URL must be set in production" in started.stderr


def test_the_example_settings_as_shipped_are_refused_for_want_of_a_secret_key():
    started = start_production(example_settings())
    assert started.returncode != 0
    assert "SECRET_KEY must be set" in started.stderr


def test_the_image_runs_as_a_user_with_thai_shaping_and_compiled_translations():
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert re.search(r"^FROM \$\{PYTHON_IMAGE\}$", dockerfile, flags=re.MULTILINE)
    assert "ARG PYTHON_IMAGE=python:3.11-slim-bookworm" in dockerfile
    assert re.search(r"^USER ecolife$", dockerfile, flags=re.MULTILINE)
    assert "libfribidi0" in dockerfile
    assert "features.check('raqm')" in dockerfile
    assert "pybabel compile -d ecolife/translations" in dockerfile
    assert 'ENTRYPOINT ["/app/deploy/entrypoint.sh"]' in dockerfile
    # gunicorn listens on loopback unless told otherwise: Caddy reaches it as web:8000.
    assert "BIND=0.0.0.0:8000" in dockerfile
    ignored = (ROOT / ".dockerignore").read_text().split()
    # The image builds from these: none may be left out of the build context.
    for needed in ("static", "migrations", "ecolife", "deploy", "README.md", "pyproject.toml"):
        assert needed not in ignored
