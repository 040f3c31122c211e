"""GET /metrics: what it counts, and who may read it."""

import urllib.request
from datetime import timedelta

import pytest
from sqlalchemy import create_engine

from ecolife import clock, jobs
from ecolife.embedded_db import with_database
from ecolife.extensions import db
from ecolife.metrics import JOB_QUEUES, JobsCollector, serve_worker_metrics
from ecolife.services import redemptions
from tests.conftest import server_url
from tests.factories import bearer, redeem, scan
from tests.observability.prom import samples, scrape, value

SCAN_SECONDS = "ecolife_http_request_duration_seconds_count"
SCAN_LABELS = {"method": "POST", "endpoint": "earning.create_scan"}


def test_scans_are_counted_credited_and_refused_by_code(
    client, make_resident, make_shop, shop_token
):
    resident = make_resident()
    shop_id, _ = make_shop()
    before = scrape(client)
    assert scan(client, resident, shop_token(shop_id)).status_code == 201
    assert scan(client, resident, shop_token(shop_id)).status_code == 429  # cooldown
    assert scan(client, resident, "no-such-poster-token").status_code == 404
    after = scrape(client)

    def grew(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("ecolife_scans_credited_total") == 1
    assert grew("ecolife_scans_refused_total", code="cooldown_active") == 1
    assert grew("ecolife_scans_refused_total", code="unknown_code") == 1
    assert grew(SCAN_SECONDS, **SCAN_LABELS) == 3
    requests = "ecolife_http_requests_total"
    assert grew(requests, status="201", **SCAN_LABELS) == 1
    assert grew(requests, status="429", **SCAN_LABELS) == 1


def test_a_replayed_scan_is_not_counted_again(client, make_resident, make_shop, shop_token):
    resident = make_resident()
    shop_id, _ = make_shop()
    before = scrape(client)
    for _ in range(2):
        assert scan(client, resident, shop_token(shop_id), key="same-key").status_code == 201
    after = scrape(client)
    credited = "ecolife_scans_credited_total"
    assert value(after, credited) - value(before, credited) == 1


def test_redemptions_are_counted_by_outcome(
    client, app, make_resident, make_shop, make_reward, give_points, set_now
):
    resident = make_resident()
    give_points(resident.user.id, 50)
    shop_id, staff = make_shop()
    reward_id = make_reward(shop_id, points=20)
    before = scrape(client)
    confirmed = redeem(client, resident, reward_id).get_json()["redemption"]["id"]
    confirm = f"/api/v1/shop/redemptions/{confirmed}/confirm"
    assert client.post(confirm, headers=bearer(staff)).status_code == 200
    assert client.post(confirm, headers=bearer(staff)).status_code == 409
    cancelled = redeem(client, resident, reward_id).get_json()["redemption"]["id"]
    cancel = f"/api/v1/redemptions/{cancelled}/cancel"
    assert client.post(cancel, headers=bearer(resident)).status_code == 200
    assert redeem(client, resident, reward_id).status_code == 201  # 10 points left after it
    assert redeem(client, resident, reward_id).status_code == 409  # not enough points
    set_now(clock.now() + timedelta(hours=2))
    with app.app_context():
        assert redemptions.expire_overdue() == 1
        db.session.remove()
    after = scrape(client)

    def grew(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    outcomes = {"requested": 3, "confirmed": 1, "cancelled": 1, "expired": 1}
    for outcome, count in outcomes.items():
        assert grew("ecolife_redemptions_total", outcome=outcome) == count, outcome
    refused = "ecolife_redemptions_refused_total"
    assert grew(refused, step="confirm", code="not_pending") == 1
    assert grew(refused, step="request", code="insufficient_points") == 1


def test_the_job_queue_is_counted_by_status(client):
    scraped = scrape(client)
    assert value(scraped, "ecolife_jobs", queue="jobs", status="todo") == 0
    assert ("ecolife_jobs", (("queue", "upkeep"), ("status", "failed"))) in scraped
    assert set(JOB_QUEUES) == {jobs.JOBS_QUEUE, jobs.UPKEEP_QUEUE, jobs.OUTBOX_QUEUE}


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://postgres@127.0.0.1:1/nowhere?connect_timeout=5",  # no database
        None,  # a database without the queue's tables (before migration 0002)
    ],
)
def test_the_queue_count_is_left_out_when_it_cannot_be_read(url):
    engine = create_engine(url or with_database(server_url(), "postgres"))
    try:
        assert list(JobsCollector(engine).collect()) == []
    finally:
        engine.dispose()


def test_loopback_clients_get_metrics_without_a_token(client):
    for address in ("127.0.0.1", "::1"):
        response = client.get("/metrics", environ_base={"REMOTE_ADDR": address})
        assert response.status_code == 200
        assert response.content_type.startswith("text/plain; version=0.0.4")


def test_other_clients_find_no_metrics_without_a_token(client):
    response = client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert response.status_code == 404


def test_a_request_through_an_unknown_proxy_is_not_a_loopback_client(client):
    # TRUSTED_PROXIES=0 and nginx on this host: every request arrives from 127.0.0.1.
    forwarded = {"X-Forwarded-For": "203.0.113.9"}
    assert client.get("/metrics", headers=forwarded).status_code == 404


def test_with_a_token_set_metrics_need_it_from_anywhere(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "METRICS_TOKEN", "s3cret-scrape-token")
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic x"}):
        refused = client.get("/metrics", headers=headers)  # loopback is not enough now
        assert refused.status_code == 401
        assert refused.headers["WWW-Authenticate"].startswith("Bearer")
    remote = {"REMOTE_ADDR": "203.0.113.9"}
    good = {"Authorization": "Bearer s3cret-scrape-token"}
    assert client.get("/metrics", headers=good, environ_base=remote).status_code == 200


def test_metrics_stay_out_of_the_api_document(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert not any("metrics" in path for path in spec["paths"])


def test_a_worker_serves_its_own_counters(make_resident, make_shop, shop_token, client):
    server = serve_worker_metrics("127.0.0.1:0")
    try:
        resident = make_resident()
        shop_id, _ = make_shop()
        scan(client, resident, shop_token(shop_id))
        port = server.server_address[1]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics") as response:
            served = samples(response.read().decode())
        assert value(served, "ecolife_scans_credited_total") >= 1
    finally:
        server.shutdown()
        server.server_close()
