"""Helpers for driving the consoles through Flask's test client, CSRF tokens included."""

import io
import re

from tests.factories import PASSWORD

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(client, path: str = "/login") -> str:
    """Read the CSRF token a page's forms carry."""
    html = client.get(path).get_data(as_text=True)
    return TOKEN.search(html).group(1)


def sign_in(client, login: str, password: str = PASSWORD, *, lang: str = "th"):
    """Sign in to the consoles in the given language; return the response."""
    client.set_cookie("lang", lang)
    data = {"csrf_token": csrf_token(client), "login": login, "password": password}
    return client.post("/login", data=data)


def post_form(client, path: str, data: dict, *, page: str | None = None, **kwargs):
    """Submit a console form with the CSRF token of the page it lives on."""
    return client.post(
        path, data={"csrf_token": csrf_token(client, page or path), **data}, **kwargs
    )


def text(response) -> str:
    return response.get_data(as_text=True)


def import_csv(client, data: bytes, run_jobs):
    """Upload a shop CSV in the console, let the worker run the job, return its page."""
    upload = {"file": (io.BytesIO(data), "shops.csv")}
    queued = post_form(client, "/admin/shops/import", upload, content_type="multipart/form-data")
    assert queued.status_code == 302, text(queued)
    assert "/admin/jobs/" in queued.headers["Location"]
    run_jobs()
    return client.get(queued.headers["Location"])
