"""Profile one scenario in-process: the SQL each request sends, and where the Python time goes.

Run it after `bench/run.py` (it reuses that run's database and request files):

    .venv/bin/python bench/profile_app.py scans --requests 500
    .venv/bin/python bench/profile_app.py me --sql        # print the statements of one request

Each request goes through `app.test_client()` (no network, no gunicorn), so the profile shows
the app's own work: Flask, schemas, SQLAlchemy, psycopg and the waits for PostgreSQL.
"""

import argparse
import cProfile
import json
import os
import pstats
import sys
import time
import uuid
from pathlib import Path

from sqlalchemy import event

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("scenario", help="a request file's name without .jsonl, e.g. scans")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--sql", action="store_true", help="print the SQL of the first request")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument(
        "--measure", action="store_true", help="no profiler: CPU and wall time per request"
    )
    parser.add_argument("--by-package", action="store_true", help="time per package instead")
    parser.add_argument(
        "--cpu", action="store_true", help="count CPU time only (not the waits for PostgreSQL)"
    )
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"))
    parser.add_argument("--callees", help="also print what functions matching this call")
    args = parser.parse_args()
    os.environ.setdefault(
        "DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/ecolife_bench"
    )
    os.environ.setdefault("SECRET_KEY", "benchmark-secret-key-that-is-long-enough-0123456789")
    os.environ.setdefault("ECOLIFE_ENV", "production")
    os.environ.setdefault("PUBLIC_BASE_URL", "https://bench.ecolife.test")
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")

    from ecolife import create_app
    from ecolife.extensions import db

    app = create_app()
    lines = Path(args.out, "requests", f"{args.scenario}.jsonl").read_text().splitlines()
    requests = [json.loads(line) for line in lines[-args.requests :]]
    client = app.test_client()
    statements: list[str] = []
    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "before_cursor_execute")
    def count(_conn, _cursor, statement, _params, _context, _many):
        statements.append(" ".join(statement.split()))

    def send(request: dict):
        headers = dict(request["headers"])
        if "Idempotency-Key" in headers:  # a new action each time, not a replay of the bench's
            headers["Idempotency-Key"] = uuid.uuid4().hex
        response = client.open(
            request["path"],
            method=request["method"],
            headers=headers,
            data=request.get("body") or None,
        )
        if response.status_code >= 400:
            sys.exit(f"{request['path']} answered {response.status_code}: {response.data[:300]}")
        follow = request.get("then")
        if follow:
            body = response.get_json()
            rid = body["redemption"]["id"] if "redemption" in body else body["id"]
            send({**follow, "path": follow["path"].replace("{id}", str(rid))})

    if args.scenario.startswith("scans"):  # many credited scans by the same residents
        from ecolife.services.settings import update_limits

        with app.app_context():
            update_limits(
                {"scan_cooldown_seconds": 0, "daily_scans": 10000, "daily_scans_per_shop": 1000}
            )
    send(requests[0])
    if args.sql:
        print(f"{len(statements)} statements:")
        for statement in statements:
            print(" -", statement[:300])
    statements.clear()
    if args.measure:  # five rounds over the requests; the quietest round counts most
        rounds = []
        for _ in range(5):
            cpu, wall = time.process_time(), time.perf_counter()
            for request in requests[1:]:
                send(request)
            calls = len(requests) - 1
            rounds.append(
                ((time.process_time() - cpu) / calls, (time.perf_counter() - wall) / calls)
            )
        rounds.sort()
        print(
            f"CPU per request: min {rounds[0][0] * 1000:.3f} ms, median {rounds[2][0] * 1000:.3f}"
            f" ms; wall: median {sorted(wall for _, wall in rounds)[2] * 1000:.3f} ms"
        )
        return
    profiler = cProfile.Profile(time.process_time) if args.cpu else cProfile.Profile()
    profiler.enable()
    for request in requests[1:]:
        send(request)
    profiler.disable()
    print(f"{len(statements) / max(1, len(requests) - 1):.1f} statements per request")
    stats = pstats.Stats(profiler)
    if args.by_package:
        print_by_package(stats, len(requests) - 1)
        return
    stats.sort_stats("cumulative").print_stats(args.top)
    stats.sort_stats("tottime").print_stats(args.top)
    if args.callees:
        stats.sort_stats("cumulative").print_callees(args.callees)


def print_by_package(stats: pstats.Stats, calls: int) -> None:
    """Sum the time spent in each package's own code, per request."""
    totals: dict[str, float] = {}
    for (filename, _line, function), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():
        if "site-packages/" in filename:
            package = filename.split("site-packages/", 1)[1].split("/", 1)[0]
        elif "/ecolife/" in filename or "/bench/" in filename:
            package = "ecolife (our code)"
        elif filename == "~":
            package = f"builtins ({function.split(' ')[-1].strip('>')})"[:40]
        else:
            package = "python stdlib"
        if function.startswith("<method 'poll'") or "select" in function and filename == "~":
            package = "waiting for PostgreSQL"
        totals[package] = totals.get(package, 0) + tottime
    grand = sum(totals.values())
    for package, seconds in sorted(totals.items(), key=lambda item: -item[1])[:20]:
        print(f"{package:40} {seconds / calls * 1000:7.3f} ms/request  {seconds / grand:6.1%}")


if __name__ == "__main__":
    main()
