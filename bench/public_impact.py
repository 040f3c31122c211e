"""Benchmark of the public figures: a year of scans for 100,000 residents.

    .venv/bin/python bench/public_impact.py [--residents 100000] [--scans-per-month 4]
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/ecolife_bench_public]

The database is dropped and re-created. It seeds the residents, 400 partner shops over
Lamphun's 51 sub-districts (20 more not yet placed in one), a year of scans (each resident
`--scans-per-month` scans a month, mostly at a "home" shop) and confirmed redemptions; then
times what the live figures would cost (the rebuild's query, which is what each request would
run without the precomputed table), the nightly rebuild, and the public API, page and open-data
answers on the precomputed table. Prints JSON.
"""

import argparse
import json
import statistics
import time
from datetime import UTC, datetime

from flask_migrate import upgrade
from sqlalchemy import text

from config import Config
from ecolife import clock, create_app, embedded_db
from ecolife.extensions import db
from ecolife.services.public_figures_refresh import refresh_public_figures

# The seeded year: December 2025 to November 2026, published on 15 December 2026.
FIRST = datetime(2025, 12, 1, tzinfo=UTC)
NOW = datetime(2026, 12, 15, 3, 0, tzinfo=UTC)
SHOPS, UNPLACED_SHOPS = 400, 20


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--residents", type=int, default=100_000)
    parser.add_argument("--scans-per-month", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=30, help="timed requests per URL")
    parser.add_argument(
        "--database-url",
        default="postgresql+psycopg://postgres@127.0.0.1:5432/ecolife_bench_public",
    )
    args = parser.parse_args()
    embedded_db.ensure_database(
        embedded_db.with_database(args.database_url, "postgres"),
        args.database_url.partition("?")[0].rsplit("/", 1)[1],
        fresh=True,
    )

    class Bench(Config):
        SQLALCHEMY_DATABASE_URI = args.database_url
        SECRET_KEY = "benchmark-secret-key-that-is-long-enough-0123456789"
        RATELIMIT_STORAGE_URI = "memory://"

    app = create_app(Bench)
    clock.now = lambda: NOW  # the published year ends with November 2026
    results: dict = {"residents": args.residents}
    with app.app_context():
        upgrade()
        results["seed_s"] = timed(lambda: seed(args.residents, args.scans_per_month))
        results["scans"] = db.session.scalar(text("SELECT count(*) FROM scans"))
        results["redemptions"] = db.session.scalar(text("SELECT count(*) FROM redemptions"))
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        results["live_query_s"] = timed(live_query)
        results["rebuild_s"] = timed(refresh_public_figures)
        results["published_cells"] = db.session.scalar(
            text("SELECT count(*) FROM public_impact_cells")
        )
        db.session.remove()
    results["requests_ms"] = time_requests(app, args.repeat)
    print(json.dumps(results, indent=2))


def timed(work) -> float:
    started = time.perf_counter()
    work()
    return round(time.perf_counter() - started, 2)


def seed(residents: int, per_month: int) -> None:
    """Shops, residents, a year of scans and redemptions, in a few set-based statements."""
    run = db.session.execute
    run(
        text(
            "INSERT INTO shops (name, name_en, district_code, tambon_code, active, qr_token,"
            " lat, lon, created_at, updated_at)"
            " SELECT 'ร้าน ' || n, 'Shop ' || n, a.parent_code, CASE WHEN n <= :shops"
            " THEN a.code END, true, md5(n::text), a.lat + (n % 7) * 0.003, a.lon, now(), now()"
            " FROM generate_series(1, :shops + :unplaced) n"
            " JOIN LATERAL (SELECT code, parent_code, lat, lon FROM areas WHERE level = 'tambon'"
            " ORDER BY code OFFSET n % 51 LIMIT 1) a ON true"
        ),
        {"shops": SHOPS, "unplaced": UNPLACED_SHOPS},
    )
    run(
        text(
            "INSERT INTO users (phone, display_name, role, locale, balance, created_at)"
            " SELECT '+6690' || lpad(n::text, 7, '0'), 'ผู้ใช้ ' || n, 'resident', 'th', 0,"
            " :first FROM generate_series(1, :residents) n"
        ),
        {"residents": residents, "first": FIRST},
    )
    # Each scan: the resident's home shop 3 times in 4, another shop otherwise; the item and
    # quantity vary; spread over the month's minutes.
    run(
        text(
            "INSERT INTO scans (user_id, shop_id, action_id, quantity, points, milligrams,"
            " created_at)"
            " SELECT u.id, s.id, act.id, q, act.points * q, act.milligrams * q,"
            " :first + make_interval(months => m)"
            " + make_interval(mins => (u.id * 7919 + k * 104729) % 40000)"
            " FROM users u CROSS JOIN generate_series(0, 11) m CROSS JOIN generate_series(1, :k) k"
            " CROSS JOIN LATERAL (SELECT 1 + (u.id + k) % 3 AS q) qty"
            " JOIN shops s ON s.id = 1 + CASE WHEN k % 4 = 0 THEN (u.id * 31 + m) ELSE u.id END"
            " % (:shops + :unplaced)"
            " JOIN actions act ON act.id = 1 + (u.id + m + k) % 4"
            " WHERE u.role = 'resident'"
        ),
        {"first": FIRST, "k": per_month, "shops": SHOPS, "unplaced": UNPLACED_SHOPS},
    )
    run(
        text(
            "INSERT INTO rewards (shop_id, name_th, points, active, image_version, created_at,"
            " updated_at) SELECT id, 'ส่วนลด', 10, true, 0, now(), now() FROM shops"
        )
    )
    # One confirmed redemption a month for one resident in ten.
    run(
        text(
            "INSERT INTO redemptions (code, user_id, reward_id, shop_id, points, status,"
            " created_at, expires_at, resolved_at)"
            " SELECT substr(md5(u.id || '-' || m), 1, 12), u.id, r.id, r.shop_id, 10,"
            " 'confirmed', t, t + interval '15 minutes', t + interval '5 minutes'"
            " FROM users u CROSS JOIN generate_series(0, 11) m"
            " CROSS JOIN LATERAL (SELECT :first + make_interval(months => m, days => u.id % 27)"
            " AS t) at"
            " JOIN rewards r ON r.shop_id = 1 + u.id % (:shops + :unplaced)"
            " WHERE u.role = 'resident' AND u.id % 10 = 0"
        ),
        {"first": FIRST, "shops": SHOPS, "unplaced": UNPLACED_SHOPS},
    )
    db.session.commit()


def live_query() -> None:
    """What one request would cost without the table: the distinct residents per area and
    month over the year (the heart of the rebuild), for the province's districts."""
    db.session.execute(
        text(
            "SELECT date_trunc('month', s.created_at AT TIME ZONE 'Asia/Bangkok') m,"
            " sh.district_code, count(*), sum(s.quantity), sum(s.milligrams),"
            " count(DISTINCT s.user_id) FROM scans s JOIN shops sh ON sh.id = s.shop_id"
            " WHERE s.created_at >= :first GROUP BY 1, 2"
        ),
        {"first": FIRST},
    ).all()


URLS = (
    "/api/v1/public/impact",
    "/api/v1/public/impact?area=5101",
    "/api/v1/public/impact?area=510101&from=2026-01&to=2026-11",
    "/impact",
    "/open-data/impact-monthly-by-tambon.csv",
    "/open-data/impact-monthly-by-shop.json",
)


def time_requests(app, repeat: int) -> dict:
    client = app.test_client()
    timings = {}
    for url in URLS:
        assert client.get(url).status_code == 200, url  # warm up
        samples = []
        for _ in range(repeat):
            started = time.perf_counter()
            response = client.get(url)
            samples.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
        samples.sort()
        timings[url] = {
            "median": round(statistics.median(samples), 1),
            "p95": round(samples[int(len(samples) * 0.95) - 1], 1),
        }
    return timings


if __name__ == "__main__":
    main()
