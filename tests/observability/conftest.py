"""Fixtures of the observability tests: the JSON log as the app writes it, and scrapes."""

import io
import json
import logging

import pytest

from ecolife.observability import configure_logging


@pytest.fixture
def json_log(app, monkeypatch):
    """Configure the logs as production does, into a buffer; return a reader of its lines."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    monkeypatch.setitem(app.config, "LOG_FORMAT", "json")
    stream = io.StringIO()
    configure_logging(app, stream=stream)

    def lines(logger: str = "ecolife.request") -> list[dict]:
        records = [json.loads(line) for line in stream.getvalue().splitlines()]
        return [record for record in records if record["logger"] == logger]

    yield lines
    root.handlers[:], _ = saved
    root.setLevel(saved[1])
