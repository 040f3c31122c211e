"""The load benchmark runs end to end (gunicorn + PostgreSQL) and leaves a ledger that adds up.

Timing is not asserted here: the numbers live in bench/README.md.
"""

import json
import subprocess
import sys
import uuid
from pathlib import Path

from ecolife import embedded_db
from tests.conftest import server_url

ROOT = Path(__file__).resolve().parents[2]



def test_the_benchmark_smoke_run_passes(tmp_path):
    # A database of this run's own: two runs on one server never drop each other's.
    url = embedded_db.with_database(server_url(), f"ecolife_bench_smoke_{uuid.uuid4().hex[:12]}")
    done = subprocess.run(
        [sys.executable, "bench/run.py", "--smoke", "--database-url", url, "--out", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    results = json.loads((tmp_path / "smoke.json").read_text())
    assert results["verify_ledger"]["exit"] == 0
    for name, report in results["scenarios"].items():
        assert report["requests"] > 0, name
        assert report["connection_errors"] == 0, name
    assert results["scenarios"]["scans"]["statuses"] == {
        "201": results["scenarios"]["scans"]["requests"]
    }
    embedded_db.drop_database(url)
