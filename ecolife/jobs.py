"""Background work on procrastinate: the admins' long jobs and the periodic upkeep.

procrastinate keeps its queue in PostgreSQL, the database EcoLife already runs, so a job is
deferred in the same place its data lives, any number of hosts may run `ecolife worker`
(they take jobs with `SELECT … FOR UPDATE SKIP LOCKED`), and it schedules periodic tasks
itself (each run deferred once, whichever worker gets there first). No broker to run.

Its tables and functions live in the schema `procrastinate` (migration 0002); the queue's
connections put that schema on their search path. They are session connections (LISTEN),
so they go straight to PostgreSQL: JOBS_DATABASE_URL names it when DATABASE_URL goes
through PgBouncer. A job is deferred in the transaction of the request that asked for it.
"""

import asyncio
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import procrastinate
from flask import Flask, current_app
from procrastinate.manager import JobManager
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from ecolife.extensions import db
from ecolife.logs import log_event

QUEUE_SCHEMA = "procrastinate"
JOBS_QUEUE = "jobs"
UPKEEP_QUEUE = "upkeep"
# Outgoing messages (reset codes, invites): never behind a long import.
OUTBOX_QUEUE = "outbox"
RUN_JOB = "ecolife.run_job"
DELIVER_MESSAGE = "ecolife.deliver_message"
SEND_RESET_CODE = "ecolife.send_reset_code"
FAN_OUT_NOTIFICATIONS = "ecolife.fan_out_notifications"

log = logging.getLogger(__name__)

# The tasks' app. Jobs are deferred on the request's own connection; the worker gives it
# a connector of its own (replace_connector) for the time it runs.
queue = procrastinate.App(connector=procrastinate.PsycopgConnector())
# Defers jobs on a connection it is given (never opens one of its own).
_ON_SESSION = JobManager(procrastinate.SyncPsycopgConnector())
_flask_app: Flask | None = None


def conninfo(app: Flask) -> str:
    """The libpq URL the worker uses: JOBS_DATABASE_URL, else the app's own."""
    url = app.config.get("JOBS_DATABASE_URL")
    if url is None and app.config.get("DATABASE_POOLER") == "pgbouncer":
        raise RuntimeError(
            "JOBS_DATABASE_URL must name PostgreSQL itself when DATABASE_URL goes through "
            "PgBouncer: the job queue listens for new jobs on a session of its own"
        )
    url = url or app.config["SQLALCHEMY_DATABASE_URI"]
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def connection_options() -> dict:
    """psycopg.connect() keywords of the worker's connections."""
    return {"options": f"-c search_path={QUEUE_SCHEMA}"}


def defer_job(job_id: int) -> None:
    """Put a job of the `jobs` table on the queue, in the session's transaction: the job's
    row and its place in the queue are committed together, or neither is."""
    defer(RUN_JOB, JOBS_QUEUE, job_id=job_id)


def defer_delivery(message_id: int, at: datetime | None = None) -> None:
    """Queue the delivery of an outbox message in the session's transaction: the message and
    its delivery are committed together. `at`: not before then (quiet hours)."""
    defer(DELIVER_MESSAGE, OUTBOX_QUEUE, schedule_at=at, message_id=message_id)


def defer_fan_out(notification_ids: list[int]) -> None:
    """Queue the writing of new notifications' messages (push, LINE, e-mail), in the session's
    transaction."""
    defer(FAN_OUT_NOTIFICATIONS, OUTBOX_QUEUE, notification_ids=notification_ids)


def defer_reset_request(login: str) -> None:
    """Queue a password-reset request as typed: the worker looks for the account, so the
    request does the same work for any login."""
    defer(SEND_RESET_CODE, OUTBOX_QUEUE, login=login)


def defer(
    task_name: str, queue_name: str, *, schedule_at: datetime | None = None, **arguments
) -> None:
    """Queue a task in the session's transaction (the caller commits); `schedule_at`: not
    before then."""
    conn = db.session.connection()
    # For this transaction only (so it holds through PgBouncer too), procrastinate's
    # unqualified names resolve in its schema, after the app's own.
    path = func.current_setting("search_path") + f", {QUEUE_SCHEMA}"
    conn.execute(select(func.set_config("search_path", path, True)))
    job = queue.configure_task(task_name, queue=queue_name, schedule_at=schedule_at).make_new_job(
        **arguments
    )
    # On the session's own connection, through a synchronous connector: inside the worker
    # (a job deferring another) the queue's connector is the worker's asynchronous one.
    _ON_SESSION.defer_job(job, connection=conn.connection.driver_connection)


def run_worker(app: Flask, *, wait: bool = True, concurrency: int = 2, **options) -> None:
    """Run the worker until stopped (or, with wait=False, until the queues are empty)."""
    global _flask_app
    _flask_app = app
    try:
        asyncio.get_running_loop()
    except RuntimeError:  # the usual case: no event loop in this thread
        asyncio.run(_work(conninfo(app), wait=wait, concurrency=concurrency, **options))
        return
    # Called where this thread already runs an event loop (a test process that also drives
    # Playwright's sync API, say): the worker gets a thread and a loop of its own.
    with ThreadPoolExecutor(max_workers=1) as thread:
        thread.submit(run_worker, app, wait=wait, concurrency=concurrency, **options).result()


async def _work(target: str, **options) -> None:
    connector = procrastinate.PsycopgConnector(
        conninfo=target,
        kwargs=connection_options(),
        min_size=1,
        max_size=options["concurrency"] + 2,
        name="ecolife-worker",
    )
    with queue.replace_connector(connector):
        async with queue.open_async():
            await queue.run_worker_async(
                # A finished job's row goes (the `jobs` table keeps what admins see); a
                # failed one stays in the queue's table, for the alert and a look.
                name="ecolife", worker_middleware=[log_job], delete_jobs="successful", **options
            )


async def log_job(call_next, context, _worker):
    """One log line per job, as per request: what ran, how it ended and how long it took."""
    started, status = time.monotonic(), "failed"
    try:
        result = await call_next()
        status = "succeeded"
        return result
    finally:
        job = context.job
        log_event(
            "job",
            level=logging.INFO if status == "succeeded" else logging.ERROR,
            job_id=job.id,
            task=job.task_name,
            queue=job.queue,
            arguments=job.task_kwargs,
            attempts=job.attempts,
            status=status,
            duration_ms=round((time.monotonic() - started) * 1000, 1),
        )


def in_app_context(task):
    """Run a task inside the worker's Flask app, with a database session of its own."""

    def run(*args, **kwargs):
        app = _flask_app or current_app._get_current_object()
        with app.app_context():
            try:
                return task(*args, **kwargs)
            finally:
                db.session.remove()

    run.__name__ = task.__name__
    run.__doc__ = task.__doc__
    run.__module__ = task.__module__
    return run


@queue.task(name=RUN_JOB, queue=JOBS_QUEUE)
@in_app_context
def run_job(job_id: int) -> None:
    """Do one admin job (import, posters ZIP), recording progress and outcome on its row."""
    from ecolife.services.jobs import run

    run(job_id)


class OutboxRetry(procrastinate.BaseRetryStrategy):
    """Run a delivery again when the outbox asks to (TryAgainLater): its backoff and its count
    of tries are the message's own, recorded on its row."""

    def get_retry_decision(self, *, exception, job):
        from ecolife.services.outbox import TryAgainLater

        if isinstance(exception, TryAgainLater):
            return procrastinate.RetryDecision(retry_at=exception.at)
        return None


@queue.task(name=DELIVER_MESSAGE, queue=OUTBOX_QUEUE, retry=OutboxRetry())
@in_app_context
def deliver_message(message_id: int) -> None:
    """Send one outbox message (an e-mail or an SMS); a failed try is run again later."""
    from ecolife.services.outbox import deliver

    deliver(message_id)


@queue.task(name=SEND_RESET_CODE, queue=OUTBOX_QUEUE)
@in_app_context
def send_reset_code(login: str) -> None:
    """Make and send a password-reset code, if the login typed names an account."""
    from ecolife.services.password_reset import send_reset_code as send

    send(login)


# A fan-out that failed (the database restarting, say) is run again 2, 4, 8… seconds later;
# one that never succeeds is left to the outbox sweep (delivery.redo_stale_fan_outs).
@queue.task(
    name=FAN_OUT_NOTIFICATIONS,
    queue=OUTBOX_QUEUE,
    retry=procrastinate.RetryStrategy(max_attempts=6, exponential_wait=2),
)
@in_app_context
def fan_out_notifications(notification_ids: list[int]) -> None:
    """Write the messages of new notifications to each channel their users turned on."""
    from ecolife.services.delivery import write_messages

    write_messages(notification_ids)


@queue.periodic(cron="*/3 * * * *", periodic_id="outbox-sweep")
@queue.task(name="ecolife.sweep_outbox", queue=UPKEEP_QUEUE, queueing_lock="outbox-sweep")
@in_app_context
def sweep_outbox(timestamp: int) -> None:
    """Queue again the messages a dead worker left, give up those out of tries (every 3
    minutes)."""
    from ecolife.services.delivery import redo_stale_fan_outs
    from ecolife.services.outbox import sweep

    counts = sweep()
    counts["fan_outs_redone"] = redo_stale_fan_outs()
    log.info(
        "outbox swept", extra={"event": "upkeep", **{f"outbox_{k}": v for k, v in counts.items()}}
    )


# Periodic upkeep. procrastinate passes the scheduled time; a queueing lock keeps at most
# one waiting run of each, however many workers defer it.
@queue.periodic(cron="* * * * *", periodic_id="expire-redemptions")
@queue.task(name="ecolife.expire_redemptions", queue=UPKEEP_QUEUE, queueing_lock="expire")
@in_app_context
def expire_redemptions(timestamp: int) -> None:
    """Expire overdue pending redemptions and refund their points (every minute)."""
    from ecolife.services.redemptions import expire_overdue

    expired = expire_overdue()
    log.info("expired overdue redemptions", extra={"event": "upkeep", "expired": expired})


@queue.periodic(cron="17 20 * * *", periodic_id="prune")  # 03:17 in Bangkok
@queue.task(name="ecolife.prune", queue=UPKEEP_QUEUE, queueing_lock="prune")
@in_app_context
def prune(timestamp: int) -> None:
    """Delete what no one needs any more: old keys, ended sessions, spent codes (daily)."""
    from ecolife.services.upkeep import prune as prune_all

    counts = prune_all()
    log.info("pruned", extra={"event": "upkeep", **{f"pruned_{k}": v for k, v in counts.items()}})


@queue.periodic(cron="7 17 * * *", periodic_id="public-figures")  # 00:07 in Bangkok
@queue.task(name="ecolife.refresh_public_figures", queue=UPKEEP_QUEUE, queueing_lock="figures")
@in_app_context
def refresh_public_figures(timestamp: int) -> None:
    """Rebuild the published monthly figures (/impact, open data) once a month has ended."""
    from ecolife.services.public_figures_refresh import refresh_public_figures as rebuild

    cells = rebuild()
    log.info("public figures rebuilt", extra={"event": "upkeep", "public_cells": cells})


@queue.periodic(cron="37 20 * * *", periodic_id="erase-inactive")  # 03:37 in Bangkok
@queue.task(name="ecolife.erase_inactive", queue=UPKEEP_QUEUE, queueing_lock="erase-inactive")
@in_app_context
def erase_inactive(timestamp: int) -> None:
    """Erase the personal data of residents idle for ANONYMISE_INACTIVE_AFTER_YEARS (daily)."""
    from ecolife.services.personal_data import erase_inactive as erase

    erased = erase()
    log.info("erased inactive accounts", extra={"event": "upkeep", "erased_inactive": erased})


@queue.periodic(cron="*/5 * * * *", periodic_id="retry-stalled")
@queue.task(name="ecolife.retry_stalled_jobs", queue=UPKEEP_QUEUE, queueing_lock="stalled")
async def retry_stalled_jobs(timestamp: int) -> None:
    """Put back the jobs of a worker that died mid-job (no heartbeat), so another runs them."""
    for job in await queue.job_manager.get_stalled_jobs():
        log.warning("retrying a stalled job", extra={"event": "job_stalled", "job": job.id})
        await queue.job_manager.retry_job(job)


# Points expiry (services/expiry.py): points that reached their date lately go every 15
# minutes; a nightly full sweep catches anything else; reminders daily.
@queue.periodic(cron="*/15 * * * *", periodic_id="expire-points")
@queue.task(name="ecolife.expire_points", queue=UPKEEP_QUEUE, queueing_lock="expire-points")
@in_app_context
def expire_points(timestamp: int) -> None:
    """Write an `expire` entry for each resident with points that reached their date in the
    last 2 days, or a refund in them (every 15 minutes)."""
    from ecolife.services.expiry import expire_recent

    expired = expire_recent()
    log.info("expired points", extra={"event": "upkeep", "points_accounts_expired": expired})


@queue.periodic(cron="47 19 * * *", periodic_id="expire-points-sweep")  # 02:47 in Bangkok
@queue.task(
    name="ecolife.expire_points_sweep", queue=UPKEEP_QUEUE, queueing_lock="expire-points-sweep"
)
@in_app_context
def expire_points_sweep(timestamp: int) -> None:
    """Expire the past points of every resident who has any (the nightly full sweep)."""
    from ecolife.services.expiry import expire_points as expire

    expired = expire()
    log.info("swept expired points", extra={"event": "upkeep", "points_accounts_expired": expired})


@queue.periodic(cron="0 2 * * *", periodic_id="notify-expiring")  # 09:00 in Bangkok
@queue.task(name="ecolife.notify_expiring", queue=UPKEEP_QUEUE, queueing_lock="notify-expiring")
@in_app_context
def notify_expiring(timestamp: int) -> None:
    """Tell residents whose points expire within 14 days (daily)."""
    from ecolife.services.expiry import notify_expiring as notify

    told = notify()
    log.info("told of expiring points", extra={"event": "upkeep", "points_expiring_told": told})


# Campaigns (services/campaigns.py): residents are told when one starts in their area.
@queue.periodic(cron="*/5 * * * *", periodic_id="announce-campaigns")
@queue.task(name="ecolife.announce_campaigns", queue=UPKEEP_QUEUE, queueing_lock="campaigns")
@in_app_context
def announce_campaigns(timestamp: int) -> None:
    """Tell residents of campaigns that started since the last run (every 5 minutes)."""
    from ecolife.services.campaigns import announce_started

    announced = announce_started()
    log.info("campaigns announced", extra={"event": "upkeep", "campaigns_announced": announced})
