"""/api/v1/admin jobs: a shop CSV import or the posters' ZIP runs in `ecolife worker`; the
request only queues it (202) and the job's page tells its progress and result."""

from flask import url_for
from marshmallow import Schema, fields

from ecolife.api.blueprint import Blueprint
from ecolife.api.fields import Integer
from ecolife.api.files import private_file
from ecolife.api.security import admin_only, current_user
from ecolife.api.uploads import upload_doc
from ecolife.errors import ValidationFailed
from ecolife.services import jobs

bp = Blueprint("jobs", __name__, url_prefix="/api/v1/admin", description="Administration: jobs")

CSV_UPLOAD_DOC = upload_doc("file")


class ProgressSchema(Schema):
    done = Integer(attribute="progress_done")
    total = Integer(attribute="progress_total", allow_none=True)


class JobFileSchema(Schema):
    name = fields.String()
    content_type = fields.String()
    size = Integer()
    url = fields.Function(
        lambda f: url_for("jobs.job_file", job_id=f.job_id, name=f.name, _external=False)
    )


class JobSchema(Schema):
    id = Integer()
    kind = fields.String(metadata={"enum": ["shop_import", "posters_zip"]})
    status = fields.String(metadata={"enum": ["queued", "running", "succeeded", "failed"]})
    progress = fields.Function(lambda job: ProgressSchema().dump(job))
    result = fields.Dict(allow_none=True)
    errors = fields.Dict(allow_none=True)
    files = fields.Function(lambda job: JobFileSchema(many=True).dump(jobs.job_files(job)))
    created_at = fields.DateTime()
    started_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)


class QueuedJobSchema(Schema):
    job = fields.Nested(JobSchema)


def _queued(job):
    return {"job": job}, 202, {"Location": url_for("jobs.get_job", job_id=job.id)}


@bp.route("/shops/import", methods=["POST"])
@admin_only
@bp.doc(**CSV_UPLOAD_DOC)
@bp.response(202, QueuedJobSchema)
def import_shops():
    """Queue a CSV import of shops and their owners (all rows or none; for a scoped admin a
    row outside their area is an error of its line); poll the job."""
    from flask import request

    upload = request.files.get("file")
    if upload is None:
        raise ValidationFailed({"file": ["Send the CSV as the multipart field `file`."]})
    return _queued(jobs.queue_shop_import(current_user(), upload.read()))


@bp.route("/shops/posters", methods=["POST"])
@admin_only
@bp.response(202, QueuedJobSchema)
def posters_zip():
    """Queue the ZIP of every active shop's poster (PDF; a scoped admin's: their area's);
    the job's files hold it."""
    return _queued(jobs.queue_posters_zip(current_user()))


@bp.route("/jobs/<int:job_id>", methods=["GET"])
@admin_only
@bp.response(200, JobSchema)
def get_job(job_id: int):
    """A job you queued: status, progress {done, total}, result, errors and files."""
    return jobs.get_job(current_user(), job_id)


@bp.route("/jobs/<int:job_id>/files/<name>", methods=["GET"])
@admin_only
@bp.doc(responses={"200": {"description": "The file (CSV or ZIP)"}})
def job_file(job_id: int, name: str):
    """Download a file a job made (owners' invite links, posters' ZIP)."""
    found = jobs.get_job_file(current_user(), job_id, name)
    return private_file(found.data, found.content_type, found.name)
