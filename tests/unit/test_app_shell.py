"""The app works offline: the service worker caches every script the app's page loads."""

import re
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "static" / "app"


def test_every_script_of_the_app_page_is_in_the_service_workers_shell():
    page = (APP / "index.html").read_text("utf-8")
    scripts = re.findall(r'<script src="([^"]+)"', page)
    shell = re.search(r"var SHELL = \[(.*?)\];", (APP / "sw.js").read_text("utf-8"), re.S)
    cached = set(re.findall(r'"([^"]+)"', shell.group(1)))
    assert "/static/app/notify-settings.js" in scripts
    assert [s for s in scripts if s not in cached] == []
