"""Admins' long work as jobs: queue it, run it in `ecolife worker`, report progress, keep the
files it makes (the owners' invite links, the posters' ZIP) for download."""

import csv
import io
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select, update
from sqlalchemy.orm import undefer

from ecolife import clock
from ecolife.errors import NotFound, ValidationFailed
from ecolife.extensions import db
from ecolife.models import Job, JobFile, JobKind, JobStatus, User
from ecolife.services import shop_qr, shops
from ecolife.services.scope import AdminScope, scope_of
from ecolife.shop_csv import read_shop_csv

INVITES_FILE = "owner-invites.csv"
POSTERS_FILE = "ecolife-posters.zip"
INVITE_COLUMNS = ("line", "shop_id", "shop_name", "owner_name", "owner_email", "owner_phone",
                  "invite_url", "invite_expires_at")
NOT_CSV = "Save the file as CSV in UTF-8 and try again."
EMPTY_FILE = "The file is empty."
# Progress is written at most this often (seconds), on a connection of its own.
PROGRESS_EVERY = 0.5


@dataclass
class Outcome:
    result: dict
    files: list[tuple[str, str, bytes]] = field(default_factory=list)


def queue_shop_import(user: User, data: bytes) -> Job:
    """Keep an uploaded shop CSV and queue its import; the worker parses and imports it."""
    if not data.strip():
        raise ValidationFailed({"file": [EMPTY_FILE]})
    return _queue(Job(kind=JobKind.SHOP_IMPORT, created_by_id=user.id, input=data))


def queue_posters_zip(user: User) -> Job:
    """Queue the ZIP of every active shop's printable poster (a scoped admin's: their area's,
    as it is when the job runs)."""
    return _queue(Job(kind=JobKind.POSTERS_ZIP, created_by_id=user.id))


def _queue(job: Job) -> Job:
    from ecolife.jobs import defer_job

    db.session.add(job)
    db.session.flush()
    defer_job(job.id)
    db.session.commit()
    return job


def get_job(user: User, job_id: int) -> Job:
    """One of the user's own jobs; another admin's answers NotFound."""
    job = db.session.get(Job, job_id)
    if job is None or job.created_by_id != user.id:
        raise NotFound()
    return job


def job_files(job: Job) -> list[JobFile]:
    return list(
        db.session.scalars(select(JobFile).where(JobFile.job_id == job.id).order_by(JobFile.id))
    )


def get_job_file(user: User, job_id: int, name: str) -> JobFile:
    job = get_job(user, job_id)
    found = db.session.scalar(
        select(JobFile)
        .where(JobFile.job_id == job.id, JobFile.name == name)
        .options(undefer(JobFile.data))
    )
    if found is None:
        raise NotFound()
    return found


def run(job_id: int) -> None:
    """Run a queued job (in the worker). A job whose worker died is run again from the start:
    each kind writes everything in one transaction, so a half-done run left nothing."""
    job = _claim(job_id)
    if job is None:
        return
    progress = _Progress(job_id)
    try:
        outcome = HANDLERS[job.kind](job, progress)
    except ValidationFailed as exc:
        db.session.rollback()
        _finish(job_id, JobStatus.FAILED, errors=exc.errors)
    except Exception:
        db.session.rollback()
        _finish(job_id, JobStatus.FAILED, errors={"job": ["The job failed unexpectedly."]})
        raise
    else:
        for name, content_type, data in outcome.files:
            db.session.add(
                JobFile(job_id=job_id, name=name, content_type=content_type,
                        size=len(data), data=data)
            )
        # Same transaction as the job's own writes: done and recorded, or neither.
        _finish(job_id, JobStatus.SUCCEEDED, result=outcome.result, session=True)


def _claim(job_id: int) -> Job | None:
    claimed = db.session.execute(
        update(Job)
        .where(Job.id == job_id, Job.status.in_((JobStatus.QUEUED, JobStatus.RUNNING)))
        .values(status=JobStatus.RUNNING, started_at=clock.now(), progress_done=0)
        .returning(Job.id)
    ).scalar()
    db.session.commit()
    return None if claimed is None else db.session.get(Job, job_id)


def _finish(job_id: int, status: str, *, result=None, errors=None, session=False) -> None:
    values = dict(status=status, finished_at=clock.now(), result=result, errors=errors,
                  input=None)
    stmt = update(Job).where(Job.id == job_id).values(**values)
    if session:
        db.session.execute(stmt)
        db.session.commit()
    else:
        with db.engine.begin() as conn:
            conn.execute(stmt)


class _Progress:
    """Counts work done and writes it on its own connection (the job's transaction is still
    open), at most every PROGRESS_EVERY seconds and at the end."""

    def __init__(self, job_id: int):
        self.job_id, self.done, self.total, self._written = job_id, 0, None, 0.0

    def start(self, total: int) -> None:
        self.total = total
        self._write()

    def step(self, count: int = 1) -> None:
        self.done += count
        if self.done == self.total or time.monotonic() - self._written >= PROGRESS_EVERY:
            self._write()

    def _write(self) -> None:
        self._written = time.monotonic()
        with db.engine.begin() as conn:
            conn.execute(
                update(Job)
                .where(Job.id == self.job_id)
                .values(progress_done=self.done, progress_total=self.total)
            )


def _import_shops(job: Job, progress: _Progress) -> Outcome:
    data = db.session.scalar(select(Job.input).where(Job.id == job.id)) or b""
    try:
        rows, errors = read_shop_csv(data)
    except csv.Error as exc:
        raise ValidationFailed({"file": [NOT_CSV]}) from exc
    progress.start(len(rows))
    created = shops.import_shops(
        rows, errors=errors, on_progress=progress.step, commit=False, scope=_creator_scope(job)
    )
    lines = [line for line, _data in rows]
    invites = _invites_csv(lines, created)
    return Outcome({"created": len(created)}, [(INVITES_FILE, "text/csv", invites)])


def _invites_csv(lines: list[int], created: list[shops.NewShop]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(INVITE_COLUMNS)
    for line, new in zip(lines, created, strict=True):
        writer.writerow((
            line, new.shop.id, new.shop.name, new.owner.display_name, new.owner.email or "",
            new.owner.phone or "", new.invite_url, new.invite.expires_at.isoformat(),
        ))
    # With a byte-order mark, spreadsheet programs read the Thai names as UTF-8.
    return out.getvalue().encode("utf-8-sig")


def _posters_zip(job: Job, progress: _Progress) -> Outcome:
    active = shop_qr.active_shops_for_posters(_creator_scope(job))
    progress.start(len(active))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for shop in active:
            name = shop_qr.poster_filename(shop, "pdf")
            archive.writestr(name, shop_qr.render_poster(shop, "pdf"))
            progress.step()
    return Outcome({"posters": len(active)}, [(POSTERS_FILE, "application/zip", buffer.getvalue())])


def _creator_scope(job: Job) -> AdminScope:
    """The area of the admin who queued the job, as it is when the job runs."""
    return scope_of(db.session.get(User, job.created_by_id))


HANDLERS: dict[str, Callable[[Job, _Progress], Outcome]] = {
    JobKind.SHOP_IMPORT: _import_shops,
    JobKind.POSTERS_ZIP: _posters_zip,
}
