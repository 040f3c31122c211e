"""Long work done by `ecolife worker` (procrastinate): its state, progress and files."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ecolife.extensions import db
from ecolife.orm import utcnow


class JobKind(StrEnum):
    SHOP_IMPORT = "shop_import"
    POSTERS_ZIP = "posters_zip"


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class Job(db.Model):
    """One piece of long work an admin asked for; the queue itself is procrastinate's."""

    __tablename__ = "jobs"
    __table_args__ = (
        CheckConstraint(
            "status IN ('queued', 'running', 'succeeded', 'failed')", name="status_known"
        ),
        CheckConstraint("kind IN ('shop_import', 'posters_zip')", name="kind_known"),
        CheckConstraint(
            "progress_done >= 0 AND (progress_total IS NULL OR progress_done <= progress_total)",
            name="progress_in_range",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(10), default=JobStatus.QUEUED)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    progress_done: Mapped[int] = mapped_column(default=0)
    progress_total: Mapped[int | None]
    # What the job works on (an uploaded CSV); dropped when the job ends.
    input: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    result: Mapped[dict | None] = mapped_column(JSON)
    errors: Mapped[dict | None] = mapped_column(JSON)


class JobFile(db.Model):
    """A file a job produced (the owners' invite links, the posters' ZIP)."""

    __tablename__ = "job_files"
    __table_args__ = (UniqueConstraint("job_id", "name", name="uq_job_files_job_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
