"""A live server on the test database and Debian's Chromium driven by Playwright."""

import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("ECOLIFE_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(
    os.environ.get("ECOLIFE_SCREENSHOTS", Path(__file__).resolve().parents[2] / "build/screenshots")
)
CHROMIUM_ARGS = ["--no-sandbox", "--disable-dev-shm-usage"]


def pytest_collection_modifyitems(config, items):
    if shutil.which(CHROMIUM) or os.environ.get("CI"):
        return  # in CI a missing browser must fail, not skip
    skip = pytest.mark.skip(reason=f"needs Chromium at {CHROMIUM} (apt-get install chromium)")
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(skip)


@pytest.fixture
def live_server(app):
    """Serve the app on a free local port for the length of one test."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def playwright_driver():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright_driver):
    browser = playwright_driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def launch_with_camera(playwright_driver):
    """Start a Chromium whose camera shows the given y4m video."""
    launched = []

    def launch(y4m: Path):
        camera = [
            "--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-video-capture={y4m}",
        ]
        browser = playwright_driver.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS + camera
        )
        launched.append(browser)
        return browser

    yield launch
    for browser in launched:
        browser.close()


@pytest.fixture
def new_page(browser, live_server):
    """Open a page in a fresh browser context (its own cookies) against the live server."""
    contexts = []

    def open_page(*, lang: str = "th-TH", viewport=(1280, 860), chromium=None):
        context = (chromium or browser).new_context(
            base_url=live_server,
            locale=lang,
            viewport={"width": viewport[0], "height": viewport[1]},
            accept_downloads=True,
            timezone_id="Asia/Bangkok",
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        watch_requests(page, live_server)
        return page

    yield open_page
    for context in contexts:
        context.close()


def watch_requests(page, origin: str) -> None:
    """Record requests that leave the site, and console errors (CSP refusals, 404s, JS)."""
    foreign, errors = [], []
    page.foreign_requests = foreign
    page.console_errors = errors
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "request",
        lambda request: (
            None
            if request.url.startswith((origin, "data:", "blob:"))
            else foreign.append(request.url)
        ),
    )


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot of a console page for the README and for review."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
