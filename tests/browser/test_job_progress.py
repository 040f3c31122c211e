"""A shop import in the admin console, in Chromium: the upload returns at once, the job's
page shows a progress bar that the worker moves, then the outcome and the invite file."""

import threading

from playwright.sync_api import expect

from ecolife.jobs import run_worker
from ecolife.services import jobs
from tests.browser.conftest import screenshot
from tests.browser.test_console_flow import sign_in

ROWS = 400
HALF = ROWS // 2


def shops_csv(tmp_path):
    rows = "".join(f"ร้านที่ปั้ม {n},li,เจ้าของ {n},08{n:08d}\n" for n in range(1, ROWS + 1))
    path = tmp_path / "shops.csv"
    path.write_text("name,tambon_code,owner_name,owner_phone\n" + rows, encoding="utf-8")
    return path


def test_the_import_page_shows_the_worker_moving_the_progress_bar(
    app, new_page, make_admin, tmp_path, monkeypatch
):
    # The worker pauses half-way (its progress committed) until the page has shown it.
    halfway, go_on = threading.Event(), threading.Event()
    write = jobs._Progress._write

    def write_and_pause(progress):
        write(progress)
        if progress.done == HALF:
            halfway.set()
            assert go_on.wait(timeout=60)

    monkeypatch.setattr(jobs, "PROGRESS_EVERY", 0)
    monkeypatch.setattr(jobs._Progress, "_write", write_and_pause)
    admin = make_admin()
    page = new_page(lang="th-TH")
    sign_in(page, admin.user.email)
    page.goto("/admin/shops/import")
    page.set_input_files("#file", str(shops_csv(tmp_path)))
    page.click("form.form button[type=submit]")
    page.wait_for_url("**/admin/jobs/*")
    assert page.text_content("[data-test=job-state]").strip() == "กำลังรอเครื่องทำงานเบื้องหลัง…"
    screenshot(page, "admin-job-queued")

    worker = threading.Thread(
        target=run_worker,
        args=(app,),
        kwargs=dict(
            wait=False, concurrency=1, queues=["jobs"], listen_notify=False,
            install_signal_handlers=False,
        ),
    )
    worker.start()
    try:
        assert halfway.wait(timeout=60)
        expect(page.locator("[data-test=job-count]")).to_have_text(f"{HALF} / {ROWS}")
        expect(page.locator("[data-test=job-state]")).to_have_text("กำลังทำงาน…")
        expect(page.locator("[data-test=job-progress]")).to_have_js_property("value", HALF)
        expect(page.locator("[data-test=job-progress]")).to_have_js_property("max", ROWS)
        screenshot(page, "admin-job-progress")
    finally:
        go_on.set()
        worker.join(timeout=120)
    page.wait_for_selector("[data-test=job-done]")
    assert f"เพิ่มร้านค้าแล้ว {ROWS} ร้าน" in page.text_content("[data-test=job-done]")
    with page.expect_download() as download:
        page.click("[data-test=job-file]")
    lines = download.value.path().read_text(encoding="utf-8-sig").splitlines()
    assert len(lines) == ROWS + 1 and lines[1].split(",")[2] == "ร้านที่ปั้ม 1"
    screenshot(page, "admin-job-done")
    assert page.console_errors == [] and page.foreign_requests == []
