"""Sign-in limits live in Redis; when Redis is gone the app keeps serving and comes back to it."""

import logging
import shutil
import socket
import subprocess
import time

import pytest
import redis

from tests.factories import PASSWORD

LOGIN = "/api/v1/auth/login"
FALLING_BACK = "falling back to in-memory storage"

pytestmark = pytest.mark.skipif(not shutil.which("redis-server"), reason="needs redis-server")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """A redis-server of the test's own on a port of its own, which the test stops and starts."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
            + ["--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url)
        for _ in range(100):
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def limit_keys(self) -> list[bytes]:
        return redis.Redis.from_url(self.url).keys("LIMITS*")


@pytest.fixture
def redis_server():
    server = RedisServer(free_port())
    server.start()
    yield server
    server.stop()


def fallback_warnings(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if FALLING_BACK in r.getMessage()]


def test_with_redis_unreachable_people_still_sign_in_and_are_still_limited(
    make_app, make_resident, caplog
):
    caplog.set_level(logging.INFO, logger="flask-limiter")
    closed = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    client = make_app(REDIS_URL=closed, RATELIMIT_STORAGE_URI=closed).test_client()
    make_resident(phone="+66812345678")
    for _ in range(3):
        signed_in = client.post(LOGIN, json={"login": "0812345678", "password": PASSWORD})
        assert signed_in.status_code == 200
    wrong = {"login": "0812345678", "password": "not-the-password"}
    assert [client.post(LOGIN, json=wrong).status_code for _ in range(6)] == [401] * 5 + [429]
    # One warning for the outage, not one per request.
    assert len(fallback_warnings(caplog)) == 1
    assert fallback_warnings(caplog)[0].levelno == logging.WARNING


def test_limits_go_back_to_redis_when_it_returns(make_app, make_resident, redis_server, caplog):
    caplog.set_level(logging.INFO, logger="flask-limiter")
    many = "1000 per 15 minutes"
    client = make_app(
        REDIS_URL=redis_server.url,
        RATELIMIT_STORAGE_URI=redis_server.url,
        LOGIN_LIMIT_PER_IP=many,
        LOGIN_LIMIT_PER_ACCOUNT=many,
        LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS=many,
    ).test_client()
    make_resident(phone="+66812345678")
    right = {"login": "0812345678", "password": PASSWORD}
    wrong = {"login": "0812345678", "password": "not-the-password"}
    assert client.post(LOGIN, json=wrong).status_code == 401
    assert redis_server.limit_keys(), "the failure is counted in Redis"

    redis_server.stop()
    assert client.post(LOGIN, json=right).status_code == 200
    assert client.post(LOGIN, json=wrong).status_code == 401
    assert len(fallback_warnings(caplog)) == 1

    redis_server.start()
    assert redis_server.limit_keys() == []  # a new, empty Redis (no persistence)
    deadline = time.monotonic() + 70  # the limiter re-checks its storage with backoff
    while not redis_server.limit_keys():
        assert time.monotonic() < deadline, "the limits never went back to Redis"
        assert client.post(LOGIN, json=wrong).status_code == 401
        time.sleep(0.25)
    assert any("recovered" in r.getMessage() for r in caplog.records)
    assert client.post(LOGIN, json=right).status_code == 200
