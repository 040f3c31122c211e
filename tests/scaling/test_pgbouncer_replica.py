"""Scale-out on PostgreSQL's own tools, with real parts on this machine.

A primary, a hot standby made with pg_basebackup -R, PgBouncer in transaction pooling mode in
front of the primary, and two gunicorn instances sharing it (DATABASE_POOLER=pgbouncer), with
DATABASE_REPLICA_URL on the standby. Residents scan and redeem through both instances, the
shop and the admin read reports, and the ledger is checked on the primary.
"""

import json
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import psycopg
import pytest

from tests.scaling.cluster import POOL_SIZE, Cluster, missing_parts, url

pytestmark = pytest.mark.skipif(
    missing_parts() is not None, reason=f"scale-out test: {missing_parts()}"
)

RESIDENTS = 6
SHOPS_SCANNED = 10  # the default daily cap: every one of these scans is credited
BAG_POINTS = 5
REWARD_POINTS = 20
CONFIRMED = 4  # residents 0-3 get their reward, 4 cancels, 5 leaves it pending
PASSWORD = "scale-out-test-password"
PREPARED = "execute _pg3_"  # how the server logs a statement psycopg prepared


@pytest.fixture
def cluster():
    parts = Cluster()
    try:
        parts.start_primary()
        parts.start_standby()
        parts.start_pgbouncer()
        # Through PgBouncer: the migrations' lock and settings last one transaction.
        _ecolife(parts, "db", "upgrade")
        parts.start_apps(2)  # they start while the demo data is written
        _ecolife(parts, "seed-demo")
        parts.wait_for_apps()
        yield parts
    finally:
        parts.close()


def test_scans_redemptions_and_reports_run_through_pgbouncer_and_a_standby(cluster):
    # One test, so that pytest-xdist never builds the cluster twice.
    traffic = _run_traffic(cluster)
    _check_balances_and_ledger(cluster, traffic)
    _check_pooling_without_prepared_statements(cluster)
    _check_reports_are_read_on_the_standby(cluster, traffic)


def _run_traffic(cluster) -> dict:
    """Register, scan and redeem through both instances; return who expects what."""
    bases = cluster.bases
    staff = _sign_in(bases[1], "shop1@ecolife.local", "ecolife-shop-demo")
    residents = [_register(bases[n % 2], n) for n in range(RESIDENTS)]
    with psycopg.connect(url(cluster.ports["primary"])) as conn:
        shops = conn.execute("SELECT id, qr_token FROM shops ORDER BY id").fetchall()
    tokens = [token for _, token in shops]
    assert staff["user"]["shop_id"] == shops[0][0]  # every resident scans the staff's shop
    # Each resident's scans alternate between the instances, eight requests at a time.
    scans = [
        (bases[(n + s) % 2], r, tokens[s], f"scan-{n}-{s}")
        for n, r in enumerate(residents)
        for s in range(SHOPS_SCANNED)
    ]
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda job: _scan(*job), scans))
    assert {status for status, _ in answers} == {201}, answers
    rewards = _call(bases[0], "GET", f"/api/v1/rewards?shop_id={staff['user']['shop_id']}")[1]
    reward = next(r for r in rewards["items"] if r["points"] == REWARD_POINTS)
    held = [_redeem(bases[n % 2], r, reward["id"]) for n, r in enumerate(residents)]
    for n, redemption in enumerate(held[:CONFIRMED]):
        _confirm(bases, staff, redemption, n)
    cancel = f"/api/v1/redemptions/{held[CONFIRMED]['id']}/cancel"
    assert _call(bases[1], "POST", cancel, residents[CONFIRMED])[0] == 200
    earned = SHOPS_SCANNED * BAG_POINTS
    expected = [earned - REWARD_POINTS] * RESIDENTS
    expected[CONFIRMED] = earned
    return {
        "residents": residents,
        "tokens": tokens,
        "expected": expected,
        "staff": staff,
        "answers": answers,
    }


def _check_balances_and_ledger(cluster, traffic: dict) -> None:
    """Every balance is what the scans and redemptions make it, on both instances and in
    the primary's ledger."""
    bases, residents = cluster.bases, traffic["residents"]
    # A retry with the same key, on the other instance, is the first answer and credits nothing.
    for n, resident in enumerate(residents):
        again = _scan(bases[(n + 1) % 2], resident, traffic["tokens"][0], f"scan-{n}-0")
        assert again == traffic["answers"][n * SHOPS_SCANNED]
    # The daily cap holds across instances.
    status, body = _scan(bases[1], residents[0], traffic["tokens"][SHOPS_SCANNED])
    assert (status, body["code"]) == (429, "daily_cap_reached")
    balances = [
        _call(bases[n % 2], "GET", "/api/v1/me", r)[1]["balance"] for n, r in enumerate(residents)
    ]
    assert balances == traffic["expected"]

    ids = [r["user"]["id"] for r in residents]
    with psycopg.connect(url(cluster.ports["primary"])) as conn:
        rows = conn.execute(
            "SELECT u.balance, (SELECT sum(delta) FROM ledger_entries WHERE user_id = u.id) "
            "FROM users u WHERE u.id = ANY(%s) ORDER BY u.id",
            [ids],
        ).fetchall()
    assert [balance for balance, _ in rows] == traffic["expected"]
    assert [total for _, total in rows] == traffic["expected"]
    verified = cluster.ecolife("verify-ledger", database="primary")
    assert verified.returncode == 0, verified.stdout + verified.stderr


def _check_pooling_without_prepared_statements(cluster) -> None:
    """The instances' many clients shared PgBouncer's few server connections, and no
    statement was prepared on the server."""
    clients = [c for c in cluster.pgbouncer_admin("SHOW CLIENTS") if c["database"] == "ecolife"]
    servers = [s for s in cluster.pgbouncer_admin("SHOW SERVERS") if s["database"] == "ecolife"]
    assert len(servers) <= POOL_SIZE < len(clients)
    stats = next(s for s in cluster.pgbouncer_admin("SHOW STATS") if s["database"] == "ecolife")
    assert stats["total_xact_count"] > RESIDENTS * SHOPS_SCANNED
    # psycopg names what it prepares _pg3_N: the app's connections never ran one.
    log = cluster.log("primary")
    assert log.read_text().count("INSERT INTO scans") >= RESIDENTS * SHOPS_SCANNED
    assert PREPARED not in log.read_text()

    # The check above would see one: a connection with psycopg's default prepares on the
    # sixth run (in one transaction, so PgBouncer keeps it on one server connection).
    with psycopg.connect(url(cluster.ports["pgbouncer"])) as conn, conn.transaction():
        for n in range(8):
            conn.execute("SELECT 1 + %s", [n])
    assert PREPARED in log.read_text()


def _check_reports_are_read_on_the_standby(cluster, traffic: dict) -> None:
    """The shop's summary and the admin's statement are summed on the standby."""
    bases, staff = cluster.bases, traffic["staff"]
    admin = _sign_in(bases[0], "admin@ecolife.local", "ecolife-admin-demo")
    cluster.wait_for_replay()
    primary_log, standby_log = cluster.log("primary"), cluster.log("standby")
    primary_seen, standby_seen = primary_log.stat().st_size, standby_log.stat().st_size

    summary = _call(bases[0], "GET", "/api/v1/shop/summary", staff)
    today = datetime.now(ZoneInfo("Asia/Bangkok")).date()
    span = f"from={today - timedelta(days=1)}&to={today + timedelta(days=1)}"
    path = f"/api/v1/admin/shops/{staff['user']['shop_id']}/statement?{span}"
    statement = _call(bases[1], "GET", path, admin)
    assert summary[0] == statement[0] == 200, (summary, statement)

    figures = {
        "scans": RESIDENTS,
        "items": RESIDENTS,
        "points_issued": RESIDENTS * BAG_POINTS,
        "points_redeemed": CONFIRMED * REWARD_POINTS,
        "redemptions": {"confirmed": CONFIRMED, "cancelled": 1, "pending": 1, "expired": 0},
    }
    assert summary[1]["all_time"] == figures
    assert {k: statement[1][k] for k in figures} == figures
    # The sums ran on the standby, and not on the primary.
    assert "sum(scans.points)" in _read_from(standby_log, standby_seen)
    assert "sum(scans.points)" not in _read_from(primary_log, primary_seen)


def _ecolife(cluster, *command: str) -> None:
    done = cluster.ecolife(*command)
    assert done.returncode == 0, done.stdout + done.stderr


# Requests


def _call(base: str, method: str, path: str, user: dict | None = None, body=None, key=None):
    headers = {"Content-Type": "application/json"}
    if user:
        headers["Authorization"] = f"Bearer {user['access_token']}"
    if key:
        headers["Idempotency-Key"] = key
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.loads(error.read() or b"null")


def _sign_in(base: str, login: str, password: str) -> dict:
    credentials = {"login": login, "password": password}
    status, body = _call(base, "POST", "/api/v1/auth/login", body=credentials)
    assert status == 200, body
    return body


def _register(base: str, n: int) -> dict:
    person = {"phone": f"0891{n:06d}", "password": PASSWORD, "display_name": f"Resident {n}"}
    status, body = _call(base, "POST", "/api/v1/auth/register", body=person)
    assert status == 201, body
    return body


def _scan(base: str, resident: dict, token: str, key: str | None = None):
    body = {"code": token, "action": "bag"}
    return _call(base, "POST", "/api/v1/scans", resident, body, key or uuid.uuid4().hex)


def _redeem(base: str, resident: dict, reward_id: int) -> dict:
    body = {"reward_id": reward_id}
    status, answer = _call(base, "POST", "/api/v1/redemptions", resident, body, uuid.uuid4().hex)
    assert status == 201, answer
    return answer["redemption"]


def _confirm(bases: list[str], staff: dict, redemption: dict, n: int) -> None:
    """Look the code up on one instance and confirm on the other: two counter tablets."""
    lookup = {"code": redemption["code"]}
    status, found = _call(bases[n % 2], "POST", "/api/v1/shop/redemptions/lookup", staff, lookup)
    assert (status, found["id"]) == (200, redemption["id"]), found
    path = f"/api/v1/shop/redemptions/{redemption['id']}/confirm"
    status, answer = _call(bases[(n + 1) % 2], "POST", path, staff)
    assert (status, answer["redemption"]["status"]) == (200, "confirmed"), answer


def _read_from(log, offset: int) -> str:
    with open(log, "rb") as file:
        file.seek(offset)
        return file.read().decode(errors="replace")
