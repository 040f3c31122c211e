"""Jobs through the API: a shop import and the posters' ZIP are queued (202), run by
procrastinate's worker for real, and report progress, result, errors and files."""

import csv
import io
import zipfile

from sqlalchemy import func, select, text
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from ecolife.extensions import db
from ecolife.models import Job, Shop
from ecolife.services import jobs
from ecolife.services.areas import UNKNOWN_TAMBON
from tests.factories import bearer

HEADER = "name,tambon_code,owner_name,owner_phone\n"


def shops_csv(count: int) -> bytes:
    rows = "".join(f"ร้านที่ {n},li,เจ้าของ {n},08{n:08d}\n" for n in range(1, count + 1))
    return (HEADER + rows).encode()


def upload(client, caller, data: bytes):
    # Encoded here, in memory: the test client would spool a large body to a temporary
    # file that it leaves open when the app refuses it (413) unread.
    boundary, body = encode_multipart(
        MultiDict({"file": FileStorage(io.BytesIO(data), "shops.csv", content_type="text/csv")})
    )
    return client.post(
        "/api/v1/admin/shops/import",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
        headers=bearer(caller) if caller else {},
    )


def test_an_import_is_queued_then_run_by_the_worker(client, app, make_admin, run_jobs):
    admin = make_admin()
    queued = upload(client, admin, shops_csv(3))
    assert queued.status_code == 202
    job = queued.get_json()["job"]
    assert job["status"] == "queued" and job["kind"] == "shop_import"
    assert queued.headers["Location"].endswith(f"/api/v1/admin/jobs/{job['id']}")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Shop)) == 0

    run_jobs()

    done = client.get(f"/api/v1/admin/jobs/{job['id']}", headers=bearer(admin)).get_json()
    assert done["status"] == "succeeded"
    assert done["progress"] == {"done": 3, "total": 3}
    assert done["result"] == {"created": 3} and done["errors"] is None
    [invites] = done["files"]
    assert invites["name"] == "owner-invites.csv"
    download = client.get(invites["url"], headers=bearer(admin))
    assert download.status_code == 200 and download.mimetype == "text/csv"
    assert download.headers["Cache-Control"] == "private, no-store"
    rows = list(csv.DictReader(io.StringIO(download.get_data(as_text=True).lstrip("\ufeff"))))
    assert [r["shop_name"] for r in rows] == ["ร้านที่ 1", "ร้านที่ 2", "ร้านที่ 3"]
    assert [r["line"] for r in rows] == ["2", "3", "4"]
    # Each link really lets its owner in.
    token = rows[0]["invite_url"].rsplit("/", 1)[1]
    accepted = client.post(
        "/api/v1/auth/accept-invite", json={"token": token, "password": "owner-password-1"}
    )
    assert accepted.status_code == 200, accepted.get_json()
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Shop)) == 3
        assert db.session.get(Job, job["id"]).input is None  # the upload is not kept


def test_a_bad_row_fails_the_job_with_every_problem_and_imports_nothing(
    client, app, make_admin, run_jobs
):
    admin = make_admin()
    data = (HEADER + "ร้านดี,li,A,0812345678\n,li,B,0812345679\nร้าน,nowhere,C,0812345678\n").encode()
    job = upload(client, admin, data).get_json()["job"]
    run_jobs()
    done = client.get(f"/api/v1/admin/jobs/{job['id']}", headers=bearer(admin)).get_json()
    assert done["status"] == "failed"
    # Keyed by the file's columns, every problem of a row at once (schema and database).
    assert done["errors"] == {
        "line 3": {"name": ["Missing data for required field."]},
        "line 4": {"tambon_code": [UNKNOWN_TAMBON], "owner_phone": ["Also used in line 2."]},
    }
    assert done["files"] == [] and done["result"] is None
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Shop)) == 0


def test_an_empty_or_missing_file_is_refused_at_once(client, make_admin):
    admin = make_admin()
    empty = upload(client, admin, b"")
    assert empty.status_code == 422 and empty.get_json()["code"] == "validation_error"
    missing = client.post("/api/v1/admin/shops/import", headers=bearer(admin))
    assert missing.status_code == 422
    assert "file" in missing.get_json()["errors"]


def test_only_the_admin_who_queued_a_job_sees_it(client, make_admin, make_resident):
    owner, other = make_admin(), make_admin()
    job = upload(client, owner, shops_csv(1)).get_json()["job"]
    url = f"/api/v1/admin/jobs/{job['id']}"
    assert client.get(url, headers=bearer(other)).status_code == 404
    assert client.get(url + "/files/owner-invites.csv", headers=bearer(other)).status_code == 404
    assert client.get(url, headers=bearer(make_resident())).status_code == 403
    assert client.get(url).status_code == 401
    assert client.get("/api/v1/admin/jobs/99999", headers=bearer(owner)).status_code == 404


def test_only_admins_may_queue_an_import(client, make_resident, make_shop):
    """The import reads a multipart body, so it is not in the access table's JSON rows."""
    _shop_id, staff = make_shop()
    assert upload(client, None, shops_csv(1)).status_code == 401
    for caller in (make_resident(), staff):
        assert upload(client, caller, shops_csv(1)).status_code == 403


def test_progress_is_visible_while_the_import_is_still_uncommitted(
    client, app, make_admin, run_jobs, monkeypatch
):
    """The progress bar reads committed progress while the import's own transaction, which
    holds every new shop, is still open."""
    monkeypatch.setattr(jobs, "PROGRESS_EVERY", 0)
    seen = []
    write = jobs._Progress._write

    def watch(progress):
        write(progress)
        with db.engine.connect() as other:
            seen.append(
                (
                    other.execute(
                        text("SELECT progress_done, progress_total FROM jobs WHERE id = :id"),
                        {"id": progress.job_id},
                    ).one()._tuple(),
                    other.execute(text("SELECT count(*) FROM shops")).scalar(),
                )
            )

    monkeypatch.setattr(jobs._Progress, "_write", watch)
    admin = make_admin()
    upload(client, admin, shops_csv(5))
    run_jobs()
    assert [progress for progress, _shops in seen] == [(n, 5) for n in range(6)]
    assert {shops for _progress, shops in seen} == {0}  # all or nothing: none visible yet


def test_the_posters_zip_is_made_by_the_worker(client, make_admin, make_shop, run_jobs):
    make_shop()
    make_shop(active=False)
    admin = make_admin()
    queued = client.post("/api/v1/admin/shops/posters", headers=bearer(admin))
    assert queued.status_code == 202
    run_jobs()
    done = client.get(queued.headers["Location"], headers=bearer(admin)).get_json()
    assert done["status"] == "succeeded" and done["result"] == {"posters": 1}
    [archive_file] = done["files"]
    response = client.get(archive_file["url"], headers=bearer(admin))
    assert response.mimetype == "application/zip"
    assert response.headers["Content-Disposition"].startswith("attachment")
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        [name] = archive.namelist()
        assert archive.read(name).startswith(b"%PDF")


def test_a_job_and_its_place_in_the_queue_are_committed_together(app, make_admin, monkeypatch):
    """If the queue refuses the job, the request fails whole: no job row waits forever."""
    from ecolife import jobs as queue_module

    def refuse(job_id):
        raise RuntimeError("queue down")

    monkeypatch.setattr(queue_module, "defer_job", refuse)
    admin = make_admin()
    with app.test_request_context():
        try:
            jobs.queue_posters_zip(admin.user)
        except RuntimeError:
            db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(Job)) == 0
    with app.app_context(), db.engine.connect() as conn:
        queued = conn.execute(text("SELECT count(*) FROM procrastinate.procrastinate_jobs"))
        assert queued.scalar() == 0


def test_only_the_imports_take_a_file_over_the_usual_limit(client, app, make_admin):
    """10 MB of shops (100,000 rows) passes the import; elsewhere 4 MB is the limit."""
    admin = make_admin()
    big = shops_csv(1) + b"#" * (6 * 1024 * 1024)
    assert upload(client, admin, big).status_code == 202
    elsewhere = client.post(
        "/api/v1/admin/shops",
        data=big,
        content_type="application/json",
        headers=bearer(admin),
    )
    assert elsewhere.status_code == 413
    too_big = b"#" * (app.config["MAX_IMPORT_BYTES"] + 1)
    assert upload(client, admin, too_big).status_code == 413
