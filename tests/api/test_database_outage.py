"""PostgreSQL out of reach: 503 problem+json with Retry-After, and back without a restart."""

import contextlib
import socket
import threading
import uuid

import pytest
from sqlalchemy.engine import make_url

from config import TestConfig
from ecolife import create_app
from ecolife.extensions import db
from ecolife.services import settings
from tests.factories import bearer
from tests.web.console import post_form, sign_in


class TcpProxy:
    """A TCP relay to PostgreSQL that the test can cut and restore, as a network outage."""

    def __init__(self, target: tuple[str, int]):
        self.target = target
        self.port = _free_port()
        self.listener: socket.socket | None = None
        self.links: list[socket.socket] = []

    def start(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    def cut(self) -> None:
        """Close the listener and every relayed connection (clients see a dropped link)."""
        self.listener.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in accept()
        self.listener.close()
        for link in self.links:
            with contextlib.suppress(OSError):
                link.shutdown(socket.SHUT_RDWR)
            link.close()
        self.links.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            server = _connect(self.target)
            self.links += [client, server]
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=_pipe, args=(source, sink), daemon=True).start()


def _connect(target: tuple[str, int]) -> socket.socket:
    host, port = target
    if not host.startswith("/"):
        return socket.create_connection(target)
    # The embedded server listens on a Unix socket in its data folder.
    server = socket.socket(socket.AF_UNIX)
    server.connect(f"{host}/.s.PGSQL.{port}")
    return server


def _pipe(source: socket.socket, sink: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        pass
    finally:
        for end in (source, sink):
            with contextlib.suppress(OSError):
                end.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def through_proxy(app):
    """An app whose database connections go through a TcpProxy (TCP or Unix socket behind)."""
    with app.app_context(), db.engine.connect() as conn:  # where the server really listens
        info = conn.connection.driver_connection.info
        target = (info.host, info.port)
    proxy = TcpProxy(target)
    proxy.start()
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).difference_update_query(["host"])

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = url.set(host="127.0.0.1", port=proxy.port).render_as_string(
            hide_password=False
        )
        SECRET_KEY = app.config["SECRET_KEY"]
        DATABASE_PRE_PING = "off"  # the outage must reach the request, not the pool's ping

    proxied = create_app(Config)
    yield proxied, proxy
    with proxied.app_context():
        db.engine.dispose()
    proxy.cut()


def test_an_outage_is_503_with_retry_after_and_recovers_without_restart(through_proxy):
    app, proxy = through_proxy
    client = app.test_client()
    assert client.get("/api/v1/shops").status_code == 200

    proxy.cut()  # the pooled connection breaks, and no new one can be made
    for _ in range(2):
        response = client.get("/api/v1/shops")
        assert response.status_code == 503
        assert response.mimetype == "application/problem+json"
        assert response.get_json()["code"] == "database_unavailable"
        assert int(response.headers["Retry-After"]) > 0

    # The consoles say so in a page, with the same header.
    page = post_form(client, "/login", {"login": "someone@example.com", "password": "x" * 8})
    assert page.status_code == 503 and page.mimetype == "text/html"
    assert "Retry-After" in page.headers

    proxy.start()  # the database is back: the same app serves again
    assert client.get("/api/v1/shops").status_code == 200


def test_a_scan_and_a_signed_in_console_page_in_an_outage_are_503_then_work_again(
    through_proxy, make_resident, make_shop, make_admin, shop_token
):
    app, proxy = through_proxy
    resident, admin = make_resident(), make_admin()
    token = shop_token(make_shop()[0])
    client, console = app.test_client(), app.test_client()
    sign_in(console, admin.user.email)

    def scan():
        headers = {**bearer(resident), "Idempotency-Key": uuid.uuid4().hex}
        return client.post("/api/v1/scans", json={"code": token}, headers=headers)

    assert scan().status_code == 201  # the pool now holds a connection the scan used
    assert console.get("/admin/impact").status_code == 200
    proxy.cut()
    response = scan()  # its own pooled connection breaks mid-use
    assert (response.status_code, response.get_json()["code"]) == (503, "database_unavailable")
    page = console.get("/admin/impact")
    assert page.status_code == 503 and page.mimetype == "text/html"

    proxy.start()
    with app.app_context():
        settings.update_limits({"scan_cooldown_seconds": 0})
    assert scan().status_code == 201
    assert console.get("/admin/impact").status_code == 200
