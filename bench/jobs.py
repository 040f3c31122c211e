"""Time the admins' long work as jobs: the request that queues it, and the worker's run.

    .venv/bin/python bench/jobs.py --rows 100000 --posters 500 \\
        --database-url postgresql://postgres@127.0.0.1:5432/ecolife_bench_jobs

It recreates the database, migrates it, uploads a CSV of --rows shops through
POST /api/v1/admin/shops/import, runs the worker (procrastinate, in this process) until the
job ends, then does the same for the posters' ZIP of every active shop (the first
--posters of the imported ones stay active). The requests go through Flask's test client:
the times are the app's and the database's, without a network.
"""

import argparse
import io
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import update  # noqa: E402

from config import Config  # noqa: E402
from ecolife import create_app, embedded_db  # noqa: E402
from ecolife.extensions import db  # noqa: E402
from ecolife.jobs import run_worker  # noqa: E402
from ecolife.models import Job, Shop  # noqa: E402
from ecolife.services import accounts  # noqa: E402

PASSWORD = "bench-password-1"


def main() -> None:
    args = parse_args()
    embedded_db.ensure_database(
        embedded_db.with_database(args.database_url, "postgres"),
        args.database_url.rsplit("/", 1)[1],
        fresh=True,
    )

    class BenchConfig(Config):
        SQLALCHEMY_DATABASE_URI = args.database_url.replace("postgresql://", "postgresql+psycopg://")
        SECRET_KEY = "benchmark-secret-key-that-is-long-enough-0123456789"
        PUBLIC_BASE_URL = "https://bench.ecolife.test"

    app = create_app(BenchConfig)
    with app.app_context():
        upgrade()
        accounts.create_admin(email="bench@ecolife.test", password=PASSWORD)
        token = accounts.log_in("bench@ecolife.test", PASSWORD).access_token
        db.session.remove()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}

    rows = "".join(
        f"ร้านทดสอบ {n},li,เจ้าของ {n},08{n % 100_000_000:08d}\n" for n in range(1, args.rows + 1)
    )
    data = ("name,district,owner_name,owner_phone\n" + rows).encode()
    print(f"CSV: {args.rows} rows, {len(data) / 1e6:.1f} MB")
    job = timed_request(
        "import request",
        lambda: client.post(
            "/api/v1/admin/shops/import",
            data={"file": (io.BytesIO(data), "shops.csv")},
            content_type="multipart/form-data",
            headers=headers,
        ),
    )
    timed_job(app, job, args.rows, "shops")

    with app.app_context():
        db.session.execute(update(Shop).where(Shop.id > args.posters).values(active=False))
        db.session.commit()
    job = timed_request(
        "posters request", lambda: client.post("/api/v1/admin/shops/posters", headers=headers)
    )
    timed_job(app, job, args.posters, "posters")


def timed_request(label: str, send) -> int:
    started = time.perf_counter()
    response = send()
    elapsed = time.perf_counter() - started
    assert response.status_code == 202, response.get_data(as_text=True)
    print(f"{label}: {response.status_code} in {elapsed * 1000:.0f} ms")
    return response.get_json()["job"]["id"]


def timed_job(app, job_id: int, count: int, unit: str) -> None:
    started = time.perf_counter()
    run_worker(app, wait=False, concurrency=1, queues=["jobs"], listen_notify=False)
    elapsed = time.perf_counter() - started
    with app.app_context():
        job = db.session.get(Job, job_id)
        status, result = job.status, job.result or job.errors
        db.session.remove()
    print(f"job {job_id}: {status} {result} in {elapsed:.1f} s ({count / elapsed:.0f} {unit}/s)")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--posters", type=int, default=500)
    return parser.parse_args()


if __name__ == "__main__":
    main()
