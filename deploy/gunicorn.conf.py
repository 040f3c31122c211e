"""gunicorn settings for EcoLife: `gunicorn -c deploy/gunicorn.conf.py wsgi:app`.

Environment (all optional):
  BIND              address to listen on, e.g. 127.0.0.1:8000, [::]:8000 or unix:/run/ecolife.sock
  PORT              without BIND: listen on 0.0.0.0:PORT (containers, PaaS)
                    neither: 127.0.0.1:8000, for a reverse proxy on the same host
  WEB_CONCURRENCY   worker processes (default 2 x CPUs + 1, at most 12)
  WEB_THREADS       threads per worker (default 4)
  LOG_FORMAT, LOG_LEVEL   as for the app (config.py): gunicorn's own lines come out alike
  PROMETHEUS_MULTIPROC_DIR   where workers keep their metrics; default a fresh temporary
                    folder. It is emptied when gunicorn starts.
  GUNICORN_CMD_ARGS any other gunicorn option, e.g. "--timeout 60"

There is no separate access log: the app writes one line per request on stdout (with
request id, user id and duration), which is the access log.
"""

import glob
import math
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
METRICS_DIR_PREFIX = "ecolife-metrics-"

# Named before config.py is read and before any worker imports prometheus_client: every
# worker process (forked from this one) then writes its samples into this folder, emptied
# in on_starting, and /metrics sums them.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = os.path.join(
        tempfile.gettempdir(), f"{METRICS_DIR_PREFIX}{os.getpid()}"
    )
os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)  # --check-config too

if str(ROOT) not in sys.path:  # `gunicorn` from anywhere finds config.py and ecolife/
    sys.path.insert(0, str(ROOT))

from config import config_from_env  # noqa: E402
from ecolife.logs import logging_config  # noqa: E402


def cpu_count() -> int:
    """CPUs this process may use: its affinity, lowered by a cgroup quota (docker --cpus)."""
    cpus = len(os.sched_getaffinity(0))
    try:
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()
    except (OSError, ValueError):
        return cpus
    if quota == "max":
        return cpus
    return max(1, min(cpus, math.ceil(int(quota) / int(period))))


def default_bind() -> str:
    if os.environ.get("BIND"):
        return os.environ["BIND"]
    if os.environ.get("PORT"):
        return f"0.0.0.0:{os.environ['PORT']}"
    return "127.0.0.1:8000"


wsgi_app = "wsgi:app"
chdir = str(ROOT)
bind = [default_bind()]
# Threads: a request waiting on PostgreSQL leaves the CPU to the worker's other threads.
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY") or min(2 * cpu_count() + 1, 12))
threads = int(os.environ.get("WEB_THREADS") or 4)
# Each worker builds its own app after the fork (database pool, Sentry client).
preload_app = False

# A request gets 30 s before its worker is restarted (long work runs as jobs); a stopping
# worker finishes its requests for up to 30 s; an idle keep-alive connection waits 5 s
# (less than a proxy's own upstream keep-alive, so the proxy closes first).
timeout = 30
graceful_timeout = 30
keepalive = 5
# The heartbeat file on memory, not on a container's overlay disk that may stall.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None

# X-Forwarded-* are believed by the app alone (TRUSTED_PROXIES), not by gunicorn too.
forwarded_allow_ips = ""

_settings = config_from_env()
accesslog = None
errorlog = "-"
loglevel = _settings.LOG_LEVEL.lower()
logconfig_dict = logging_config(_settings.LOG_FORMAT, _settings.LOG_LEVEL)
proc_name = "ecolife"


def on_starting(server) -> None:
    """Start the metrics from zero: files of an earlier run would add to this one's."""
    folder = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    for leftover in glob.glob(os.path.join(folder, "*.db")):
        os.remove(leftover)


def child_exit(server, worker) -> None:
    """A worker ended: its live gauges go; its counters stay in the sums."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server) -> None:
    """Remove the metrics folder if this configuration made it."""
    folder = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    if folder.parent == Path(tempfile.gettempdir()) and folder.name.startswith(METRICS_DIR_PREFIX):
        shutil.rmtree(folder, ignore_errors=True)
