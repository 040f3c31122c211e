"""`ecolife worker` as its own process: it takes a job queued by the web app, runs it, and
stops cleanly on SIGTERM (as systemd or Docker stop it)."""

import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from sqlalchemy import select

from ecolife.extensions import db
from ecolife.models import Job
from tests.factories import bearer

ROOT = Path(__file__).resolve().parents[2]
ECOLIFE = Path(sys.executable).with_name("ecolife")


def test_a_worker_process_runs_a_queued_import_and_stops_on_sigterm(
    app, client, database_url, make_admin
):
    metrics_port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": app.config["SECRET_KEY"],
        "ECOLIFE_ENV": "development",
        "LOG_FORMAT": "json",
        "WORKER_METRICS_ADDRESS": f"127.0.0.1:{metrics_port}",
    }
    worker = subprocess.Popen(
        [str(ECOLIFE), "worker", "--concurrency", "1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        admin = make_admin()
        data = "name,tambon_code,owner_name,owner_phone\nร้านใหม่,li,เจ้าของ,0812349999\n".encode()
        queued = client.post(
            "/api/v1/admin/shops/import",
            data={"file": (io.BytesIO(data), "shops.csv")},
            content_type="multipart/form-data",
            headers=bearer(admin),
        )
        job_id = queued.get_json()["job"]["id"]
        status = None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and status not in ("succeeded", "failed"):
            time.sleep(0.2)
            with app.app_context():
                status = db.session.scalar(select(Job.status).where(Job.id == job_id))
                db.session.remove()
        assert status == "succeeded", worker.stdout.read() if worker.poll() is not None else ""
        with urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5) as r:
            assert b"ecolife_redemptions_total" in r.read()
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            output, _ = worker.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            output, _ = worker.communicate()
    assert worker.returncode == 0, output
    assert "EcoLife worker" in output
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    [job_line] = [line for line in lines if line.get("event") == "job" and line["arguments"]
                  == {"job_id": job_id}]
    assert job_line["task"] == "ecolife.run_job" and job_line["status"] == "succeeded"
    assert job_line["queue"] == "jobs" and job_line["duration_ms"] > 0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
