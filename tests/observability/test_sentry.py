"""With SENTRY_DSN set, an unexpected error reaches the Sentry server (a local stand-in)."""

import gzip
import json
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Run apart: sentry_sdk.init() sets up the whole process, which the other tests share.
FAILING_APP = """
import sys

import sentry_sdk

from config import TestConfig
from ecolife import create_app


class Config(TestConfig):
    SQLALCHEMY_DATABASE_URI = sys.argv[1]
    SENTRY_DSN = sys.argv[2]


app = create_app(Config)


def boom():
    raise RuntimeError("observability test error")


app.add_url_rule("/boom", "boom", boom)
response = app.test_client().get("/boom", headers={"X-Request-ID": "sentry-test-1"})
assert response.status_code == 500, response.status_code
sentry_sdk.flush(timeout=30)
"""


class Ingest(BaseHTTPRequestHandler):
    """Keep every envelope posted to it, as Sentry's ingest endpoint would take it."""

    received: list[bytes] = []

    def do_POST(self):  # noqa: N802 - http.server's naming
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        self.received.append(body)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


def test_an_unexpected_error_is_sent_to_sentry(database_url):
    Ingest.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Ingest)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    dsn = f"http://publickey@127.0.0.1:{server.server_address[1]}/1"
    try:
        done = subprocess.run(
            [sys.executable, "-c", FAILING_APP, database_url, dsn],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        server.shutdown()
        server.server_close()
    assert done.returncode == 0, done.stderr
    events = [item for body in Ingest.received for item in _items(body) if "exception" in item]
    [error] = events
    [exception] = error["exception"]["values"]
    assert (exception["type"], exception["value"]) == ("RuntimeError", "observability test error")
    assert error["tags"]["request_id"] == "sentry-test-1"


def _items(envelope: bytes) -> list[dict]:
    items = []
    for line in envelope.splitlines():
        try:
            items.append(json.loads(line))
        except ValueError:
            continue
    return items
