"""deploy/gunicorn.conf.py for real: several worker processes, one /metrics summing them all.

Between two batches of requests gunicorn replaces its workers (SIGHUP, as a deploy does), so
the counts of the first batch live only in the files of workers that have ended, and the
scrape must still add them to the new workers' counts.
"""

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

from tests.observability.prom import samples, value

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).parent / "gunicorn"
STARTUP_LIMIT = 120  # seconds to wait for the first answer (a bound, not a measurement)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def server(app, database_url, tmp_path):
    """gunicorn as deployed (2 gthread workers), started from another folder; its base URL."""
    port = _free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("METRICS_TOKEN", "SENTRY_DSN", "BIND", "PORT")
    }
    env |= {
        "ECOLIFE_ENV": "development",
        "DATABASE_URL": database_url,
        "SECRET_KEY": app.config["SECRET_KEY"],
        "BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "2",
        "WEB_THREADS": "2",
        "LOG_FORMAT": "json",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
    }
    log = (tmp_path / "stdout.log").open("w")
    process = subprocess.Popen(
        [str(GUNICORN), "-c", str(ROOT / "deploy/gunicorn.conf.py"), "wsgi:app"],
        cwd=tmp_path,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_answering(base, process, tmp_path / "stdout.log")
        yield base, process
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
        log.close()


def _wait_until_answering(base: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_LIMIT
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()
        try:
            with urllib.request.urlopen(f"{base}/livez", timeout=5):
                return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"gunicorn did not answer:\n{log.read_text()}")


def _workers(master: int) -> set[int]:
    path = Path(f"/proc/{master}/task/{master}/children")
    return {int(pid) for pid in path.read_text().split()}


def _replace_workers(master: int) -> None:
    """SIGHUP: gunicorn starts new workers and stops the old ones; wait until it has."""
    old = _workers(master)
    os.kill(master, signal.SIGHUP)
    deadline = time.monotonic() + STARTUP_LIMIT
    while time.monotonic() < deadline:
        now = _workers(master)
        if len(now) == len(old) and not now & old:
            return
        time.sleep(0.2)
    pytest.fail("gunicorn did not replace its workers")


def _post_scan(base: str, access_token: str, code: str) -> int:
    request = urllib.request.Request(
        f"{base}/api/v1/scans",
        data=json.dumps({"code": code}).encode(),
        headers={
            "Authorization": f"Bearer {access_token}",
            "Content-Type": "application/json",
            "Idempotency-Key": uuid.uuid4().hex,
        },
        method="POST",
    )
    for attempt in (1, 2):
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status
        except urllib.error.HTTPError as refused:
            refused.close()
            return refused.code
        except (ConnectionResetError, http.client.RemoteDisconnected):
            # A worker that SIGHUP is retiring may drop a connection it just accepted; the
            # client retries with the same Idempotency-Key, as the app does.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def test_metrics_add_up_across_gunicorn_workers(
    server, make_resident, make_shop, shop_token, tmp_path
):
    base, process = server
    residents = [make_resident() for _ in range(4)]
    token = shop_token(make_shop()[0])
    first = [_post_scan(base, r.access_token, token) for r in residents]  # credited
    first += [_post_scan(base, r.access_token, "no-such-token-here") for r in residents[:2]]
    _replace_workers(process.pid)
    _wait_until_answering(base, process, tmp_path / "stdout.log")  # the new workers answer
    second = [_post_scan(base, r.access_token, token) for r in residents]  # cooldown
    assert (first, second) == ([201] * 4 + [404] * 2, [429] * 4)

    with urllib.request.urlopen(f"{base}/metrics", timeout=30) as response:
        scraped = samples(response.read().decode())
    assert value(scraped, "ecolife_scans_credited_total") == 4
    assert value(scraped, "ecolife_scans_refused_total", code="unknown_code") == 2
    assert value(scraped, "ecolife_scans_refused_total", code="cooldown_active") == 4
    scans = {"method": "POST", "endpoint": "earning.create_scan"}
    assert value(scraped, "ecolife_http_request_duration_seconds_count", **scans) == 10
    assert value(scraped, "ecolife_http_requests_total", status="201", **scans) == 4


def test_gunicorn_logs_one_json_line_per_request(server, tmp_path, make_resident):
    base, _process = server
    resident = make_resident()
    request = urllib.request.Request(
        f"{base}/api/v1/me",
        headers={"Authorization": f"Bearer {resident.access_token}", "X-Request-ID": "gw-1"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.headers["X-Request-ID"] == "gw-1"
    lines = _json_lines(tmp_path / "stdout.log")
    [line] = [line for line in lines if line.get("request_id") == "gw-1"]
    assert (line["path"], line["status"], line["user_id"]) == ("/api/v1/me", 200, resident.user.id)
    assert not any(line["logger"] == "gunicorn.access" for line in lines)  # the app's is enough
    assert any(line["logger"] == "gunicorn.error" for line in lines)  # gunicorn's own, as JSON


def _json_lines(path: Path) -> list[dict]:
    # Other output (none expected) would fail here: every line must be JSON.
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
