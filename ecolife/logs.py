"""How EcoLife writes its logs: to stdout, one record a line, as LOG_FORMAT says.

LOG_FORMAT=json (production's default) writes a JSON object per line for a log collector;
text (development's default) writes plain lines for people. JSON lines carry every extra
field of a record (`log.info("…", extra={"job_id": 7})`, or `log_event`), and a record
logged during a request also carries that request's id. The web app, `ecolife worker` and
gunicorn's master (deploy/gunicorn.conf.py) all use `logging_config`.

No metrics or app imports here: gunicorn's master reads this before it forks workers.
"""

import logging
import logging.config

from flask import Flask, g, has_request_context
from flask.logging import default_handler

event_log = logging.getLogger("ecolife.event")


def logging_config(log_format: str, level: str = "INFO", stream=None) -> dict:
    """The `logging.config.dictConfig` of the app, the job worker and gunicorn's master."""
    if log_format not in ("json", "text"):
        raise ValueError(f"LOG_FORMAT must be json or text, not {log_format!r}")
    formatter = (
        {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(levelname)s %(name)s %(message)s",
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": "time",
        }
        if log_format == "json"
        else {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {"ecolife": formatter},
        "handlers": {
            "ecolife": {
                "class": "logging.StreamHandler",
                "stream": stream or "ext://sys.stdout",
                "formatter": "ecolife",
                "filters": ["request_id"],
            },
            "discard": {"class": "logging.NullHandler"},
        },
        "root": {"level": level, "handlers": ["ecolife"]},
        "loggers": {
            # gunicorn's own messages (workers booting, timeouts) take the same way and format;
            # its access lines would repeat the app's request lines with less in them.
            "gunicorn.error": {"handlers": [], "propagate": True},
            "gunicorn.access": {"handlers": ["discard"], "propagate": False},
        },
    }


def configure_logging(app: Flask | None = None, *, stream=None) -> None:
    """Send every log record to stdout (or `stream`) in LOG_FORMAT, from LOG_LEVEL up.

    Settings come from `app`'s config, or without an app (a script, a worker started some
    other way) from the configuration ECOLIFE_ENV names.
    """
    if app is None:
        from config import config_from_env

        settings = config_from_env()
        log_format, level = settings.LOG_FORMAT, settings.LOG_LEVEL
    else:
        log_format, level = app.config["LOG_FORMAT"], app.config["LOG_LEVEL"]
    logging.config.dictConfig(logging_config(log_format, level, stream))
    # Flask gives the app's logger ("ecolife") a stderr handler of its own when none is set
    # up yet: its records would come out twice.
    logging.getLogger("ecolife").removeHandler(default_handler)


# A LogRecord's own attributes: `extra` may not name them.
_RECORD_ATTRIBUTES = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


def log_event(event: str, *, level: int = logging.INFO, **fields) -> None:
    """Log one thing that happened (a job run, an upkeep pass) with its fields.

    `log_event("job", job_id=7, task="ecolife.run_job", status="succeeded", duration_ms=812)`
    gives a JSON line with those fields and `"event": "job"`. A field named like a
    LogRecord attribute (name, msg, args …) is written with a `field_` prefix.
    """
    extra = {("field_" + key if key in _RECORD_ATTRIBUTES else key): v for key, v in fields.items()}
    event_log.log(level, event, extra={"event": event, **extra})


class RequestIdFilter(logging.Filter):
    """Give a record logged during a request that request's id."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id") and has_request_context():
            record.request_id = g.get("request_id")
        return True
