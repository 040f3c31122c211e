"""The kit for installs without containers: systemd units that systemd accepts, and an nginx
site that nginx accepts and that, run for real here, proxies as the app expects."""

import http.client
import json
import os
import re
import socket
import ssl
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from config import Config
from tests.deploy.kit import DEPLOY, DOMAIN, ROOT, program, run

UNITS = sorted((DEPLOY / "systemd").glob("*.service"))
SITE = DEPLOY / "nginx" / "ecolife.conf"
HARDENING = ("NoNewPrivileges=yes", "ProtectSystem=strict", "PrivateTmp=yes", "ProtectHome=yes")


def test_there_is_a_unit_for_the_web_and_one_for_the_worker():
    assert [unit.name for unit in UNITS] == ["ecolife-web.service", "ecolife-worker.service"]


@pytest.mark.parametrize("unit", UNITS, ids=lambda unit: unit.name)
def test_the_units_read_the_settings_file_restart_on_failure_and_are_hardened(unit):
    lines = unit.read_text().splitlines()
    for expected in ("EnvironmentFile=/etc/ecolife/ecolife.env", "Restart=on-failure", *HARDENING):
        assert expected in lines, expected
    assert "User=ecolife" in lines


@pytest.mark.parametrize("unit", UNITS, ids=lambda unit: unit.name)
def test_systemd_accepts_the_units(tmp_path, unit):
    if not program("systemd-analyze"):
        pytest.skip("no systemd-analyze here")
    # Point the units at this checkout and its virtualenv, which exist here.
    text = unit.read_text().replace("/opt/ecolife/.venv/bin", str(Path(sys.executable).parent))
    copy = tmp_path / unit.name
    copy.write_text(text.replace("/opt/ecolife", str(ROOT)))
    done = run(["systemd-analyze", "verify", str(copy)])
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""


def test_nginx_takes_bodies_up_to_what_the_app_takes():
    found = re.findall(r"client_max_body_size (\d+)m;", SITE.read_text())
    sizes = [int(megabytes) * 1024 * 1024 for megabytes in found]
    assert sizes == [Config.MAX_CONTENT_LENGTH, Config.MAX_IMPORT_BYTES]


class Upstream(BaseHTTPRequestHandler):
    """Stands in for gunicorn: answers with the headers nginx sent it."""

    def do_GET(self):  # noqa: N802 - http.server's naming
        body = json.dumps({k.lower(): v for k, v in self.headers.items()}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def site_for_test(folder: Path, upstream: int, https: int, http: int) -> Path:
    """The site with this test's ports, certificate and log folder; returns nginx.conf."""
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
        + ["-subj", f"/CN={DOMAIN}", "-keyout", "key.pem", "-out", "cert.pem"],
        cwd=folder,
        check=True,
        capture_output=True,
    )
    site = SITE.read_text()
    for old, new in [
        (f"/etc/letsencrypt/live/{DOMAIN}/fullchain.pem", f"{folder}/cert.pem"),
        (f"/etc/letsencrypt/live/{DOMAIN}/privkey.pem", f"{folder}/key.pem"),
        ("/var/log/nginx/", f"{folder}/"),
        ("/opt/ecolife/", f"{ROOT}/"),
        ("server 127.0.0.1:8000;", f"server 127.0.0.1:{upstream};"),
        ("listen 443 ssl http2;", f"listen 127.0.0.1:{https} ssl http2;"),
        ("listen 80;", f"listen 127.0.0.1:{http};"),
    ]:
        assert old in site, old
        site = site.replace(old, new)
    site = re.sub(r"\n\s*listen \[::\]:\d+.*;", "", site)
    (folder / "site.conf").write_text(site)
    conf = folder / "nginx.conf"
    # As root, nginx's workers would run as nobody, who may not read this checkout.
    user = "user root;\n" if os.geteuid() == 0 else ""
    conf.write_text(
        f"{user}daemon off;\npid {folder}/nginx.pid;\nerror_log {folder}/error.log;\nevents {{}}\n"
        f"http {{\n include /etc/nginx/mime.types;\n access_log {folder}/access.log;\n"
        f" include {folder}/site.conf;\n}}\n"
    )
    return conf


@pytest.fixture(scope="module")
def nginx(tmp_path_factory):
    """nginx with the site, in front of a stand-in upstream; yields its HTTPS port."""
    if not (program("nginx") and program("openssl")):
        pytest.skip("no nginx here (Debian: apt-get install nginx-light)")
    folder = tmp_path_factory.mktemp("nginx")
    upstream = ThreadingHTTPServer(("127.0.0.1", 0), Upstream)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    https, http = free_port(), free_port()
    conf = site_for_test(folder, upstream.server_address[1], https, http)
    checked = run(["nginx", "-t", "-c", str(conf), "-p", str(folder)])
    assert checked.returncode == 0, checked.stderr
    server = subprocess.Popen(["nginx", "-c", str(conf), "-p", str(folder)])
    try:
        _wait_for(https)
        yield {"https": https, "http": http}
    finally:
        server.terminate()
        server.wait(timeout=10)
        upstream.shutdown()
        upstream.server_close()


def _wait_for(port: int) -> None:
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            return
        except OSError:
            threading.Event().wait(0.05)
    raise AssertionError(f"nginx did not listen on {port}")


def fetch(port: int, method: str, path: str, headers=None, body=None, tls=True):
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # the test's own self-signed certificate
    if tls:
        conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=10, context=context)
    else:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(method, path, body=body, headers={"Host": DOMAIN, **(headers or {})})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def test_nginx_passes_the_callers_request_id_and_address_to_the_app(nginx):
    status, _, body = fetch(nginx["https"], "GET", "/app/", {"X-Request-ID": "abc-123"})
    seen = json.loads(body)
    assert status == 200
    assert seen["x-request-id"] == "abc-123"
    assert seen["x-forwarded-for"] == "127.0.0.1"
    assert seen["x-forwarded-proto"] == "https"
    assert seen["host"] == DOMAIN


def test_nginx_gives_a_request_without_an_id_one_of_its_own(nginx):
    _, _, body = fetch(nginx["https"], "GET", "/api/v1/me")
    assert re.fullmatch(r"[0-9a-f]{32}", json.loads(body)["x-request-id"])


def test_nginx_serves_static_files_itself_with_caching(nginx):
    status, headers, body = fetch(nginx["https"], "GET", "/static/css/app.css")
    assert status == 200
    assert body == (ROOT / "static" / "css" / "app.css").read_bytes()
    assert headers["Cache-Control"] == "public, max-age=3600"
    assert "ETag" in headers


def test_nginx_keeps_metrics_private_and_refuses_oversized_bodies(nginx):
    assert fetch(nginx["https"], "GET", "/metrics")[0] == 404
    # nginx answers on the announced length, before any of the body is sent.
    too_big = {"Content-Length": str(Config.MAX_CONTENT_LENGTH + 1)}
    assert fetch(nginx["https"], "POST", "/api/v1/admin/rewards/1/image", too_big)[0] == 413
    # A shop CSV may be bigger, up to what the import takes.
    for path in ("/api/v1/admin/shops/import", "/admin/shops/import"):
        too_big = {"Content-Length": str(Config.MAX_IMPORT_BYTES + 1)}
        assert fetch(nginx["https"], "POST", path, too_big)[0] == 413


def test_nginx_sends_plain_http_to_https(nginx):
    status, headers, _ = fetch(nginx["http"], "GET", "/app/?x=1", tls=False)
    assert status == 301
    assert headers["Location"] == f"https://{DOMAIN}/app/?x=1"


def test_the_host_command_runs_ecolife_in_the_checkout_with_the_units_settings(tmp_path):
    bin_dir = tmp_path / "checkout" / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    stand_in = bin_dir / "ecolife"
    said = "$* | $PWD | $SECRET_KEY | $LOGIN_LIMIT_PER_IP | ${SENTRY_DSN-unset}"
    stand_in.write_text(f'#!/usr/bin/env bash\necho "{said}"\n')
    stand_in.chmod(0o755)
    settings = tmp_path / "ecolife.env"
    settings.write_text(
        "# comment\nSECRET_KEY=abc=def\n\nLOGIN_LIMIT_PER_IP=30 per 15 minutes\n# SENTRY_DSN=x\n"
    )
    environment = {
        "PATH": os.environ["PATH"],
        "ECOLIFE_HOME": str(tmp_path / "checkout"),
        "ECOLIFE_SETTINGS": str(settings),
        "ECOLIFE_USER": run(["id", "-un"]).stdout.strip(),  # no switch of user here
    }
    done = run([str(DEPLOY / "bin" / "ecolife"), "backup", "/tmp/x.dump"], env=environment)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == (
        f"backup /tmp/x.dump | {tmp_path}/checkout | abc=def | 30 per 15 minutes | unset"
    )
