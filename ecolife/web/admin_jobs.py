"""The admin console's job pages: a progress bar while the worker runs a job, then its
outcome (shops imported with the owners' invite links, or every problem by line; the
posters' ZIP) and the files to download."""

from flask import Blueprint, jsonify, render_template

from ecolife.api.files import private_file
from ecolife.models import JobStatus, Role
from ecolife.services import jobs
from ecolife.web.session import console_required, console_user

bp = Blueprint("admin_jobs", __name__, url_prefix="/admin/jobs")
admin_required = console_required(Role.ADMIN)
FINISHED = (JobStatus.SUCCEEDED, JobStatus.FAILED)


@bp.get("/<int:job_id>")
@admin_required
def show(job_id: int):
    job = jobs.get_job(console_user(), job_id)
    problems = {}
    if job.status == JobStatus.FAILED and job.errors:
        from ecolife.web.admin_shops import problems_by_line

        problems = problems_by_line(job.errors)
    return render_template(
        "admin/job.html",
        job=job,
        files=jobs.job_files(job),
        problems=problems,
        finished=job.status in FINISHED,
    )


@bp.get("/<int:job_id>/status")
@admin_required
def status(job_id: int):
    """What the progress bar polls."""
    job = jobs.get_job(console_user(), job_id)
    response = jsonify(
        status=job.status,
        done=job.progress_done,
        total=job.progress_total,
        finished=job.status in FINISHED,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/<int:job_id>/files/<name>")
@admin_required
def file(job_id: int, name: str):
    found = jobs.get_job_file(console_user(), job_id, name)
    return private_file(found.data, found.content_type, found.name)
