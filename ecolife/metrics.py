"""Prometheus metrics: what EcoLife counts, and the text a scrape of /metrics gets.

Under gunicorn every worker process writes its samples to files in PROMETHEUS_MULTIPROC_DIR
(deploy/gunicorn.conf.py makes and cleans it) and a scrape sums them across the workers.
Without it (`ecolife run`, the tests) the samples live in this process.

No Flask imports: the services count their outcomes here, where the outcome is known.
"""

import logging
from collections.abc import Callable
from functools import wraps

from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    start_http_server,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from ecolife.errors import DomainError

log = logging.getLogger(__name__)

# Seconds; a scan takes a few milliseconds, a poster PDF up to a second or two.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
# Any other method (a client may send any token) is counted as "other": labels stay few.
METHODS = frozenset(("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"))

REQUEST_SECONDS = Histogram(
    "ecolife_http_request_duration_seconds",
    "Time to answer a request, by Flask endpoint (never the raw path).",
    ("method", "endpoint"),
    buckets=LATENCY_BUCKETS,
)
REQUESTS = Counter(
    "ecolife_http_requests",
    "Requests answered, by Flask endpoint and HTTP status.",
    ("method", "endpoint", "status"),
)
SCANS_CREDITED = Counter("ecolife_scans_credited", "Scans that credited points.")
SCANS_REFUSED = Counter(
    "ecolife_scans_refused", "Scans the rules refused, by problem code.", ("code",)
)
REDEMPTION_OUTCOMES = ("requested", "confirmed", "cancelled", "expired")
REDEMPTIONS = Counter(
    "ecolife_redemptions",
    "Redemptions by outcome: requested (points held), confirmed, cancelled, expired.",
    ("outcome",),
)
REDEMPTIONS_REFUSED = Counter(
    "ecolife_redemptions_refused",
    "Redemption requests, confirms and cancels refused, by step and problem code.",
    ("step", "code"),
)
for _outcome in REDEMPTION_OUTCOMES:
    REDEMPTIONS.labels(_outcome)  # present from the start, at 0, so rate() sees each

# procrastinate's queue (migration 0002 puts its tables in the schema "procrastinate").
JOBS_BY_STATUS = text(
    "SELECT queue_name, status::text, count(*) FROM procrastinate.procrastinate_jobs "
    "GROUP BY queue_name, status"
)
JOB_STATUSES = ("todo", "doing", "succeeded", "failed", "cancelled", "aborted")
# ecolife.jobs' queues, always reported (at 0 when empty); named here so that a scrape need
# not import procrastinate.
JOB_QUEUES = ("jobs", "upkeep", "outbox")


def observe_request(method: str, endpoint: str | None, status: int, seconds: float) -> None:
    """Count one answered request and its latency."""
    method = method if method in METHODS else "other"
    endpoint = endpoint or "unmatched"
    REQUEST_SECONDS.labels(method, endpoint).observe(seconds)
    REQUESTS.labels(method, endpoint, str(status)).inc()


def scan_refused(refusal: DomainError) -> None:
    SCANS_REFUSED.labels(refusal.code).inc()


def redemption_refused(step: str, refusal: DomainError) -> None:
    REDEMPTIONS_REFUSED.labels(step, refusal.code).inc()


def counting_refusals(step: str) -> Callable:
    """Count the domain errors a redemption use case answers with, by `step`."""

    def decorator(use_case: Callable) -> Callable:
        @wraps(use_case)
        def counted(*args, **kwargs):
            try:
                return use_case(*args, **kwargs)
            except DomainError as refusal:
                redemption_refused(step, refusal)
                raise

        return counted

    return decorator


class JobsCollector:
    """The job queue at scrape time, from one grouped count: `todo` is its depth."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def collect(self):
        try:
            with self.engine.connect() as conn:
                rows = conn.execute(JOBS_BY_STATUS).all()
        except DBAPIError as error:
            # No queue yet (migration 0002 not run) or no database: the rest still answers.
            log.warning("job queue metrics unavailable: %s", error.orig or error)
            return
        jobs = GaugeMetricFamily(
            "ecolife_jobs",
            "Jobs in procrastinate's queue table, by queue and status.",
            labels=("queue", "status"),
        )
        counts = {(queue, status): count for queue, status, count in rows}
        for queue in sorted({*JOB_QUEUES, *(queue for queue, _ in counts)}):
            for status in JOB_STATUSES:
                jobs.add_metric([queue, status], counts.get((queue, status), 0))
        yield jobs


def exposition(engine: Engine, multiprocess_dir: str | None) -> bytes:
    """The text a scrape gets: this process's (or every worker's) samples and the queue."""
    registry = CollectorRegistry()  # collects only when scraped: the query runs then
    registry.register(JobsCollector(engine))
    if multiprocess_dir:
        MultiProcessCollector(registry, path=multiprocess_dir)
        return generate_latest(registry)
    return generate_latest(REGISTRY) + generate_latest(registry)


def serve_worker_metrics(address: str | None):
    """Serve this process's samples on `host:port` (a job worker's); return the server."""
    if not address:
        return None
    host, _, port = address.rpartition(":")
    server, _thread = start_http_server(int(port), addr=host.strip("[]") or "127.0.0.1")
    return server
