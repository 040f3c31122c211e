"""After signing in, the console follows `next` only to a page of this site."""

import pytest

from tests.factories import PASSWORD
from tests.web.console import csrf_token, sign_in

HOSTILE = [
    "//evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "/ /evil.example",
    "\t//evil.example",
    " //evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "https://evil.example",
    "https:evil.example",
    "//evil.example@ecolife.test",
    "javascript:alert(1)",
    "\x00//evil.example",
    "/\x0b/evil.example",
    "/\u200b/evil.example",
    "evil.example",
]


@pytest.mark.parametrize("target", HOSTILE)
def test_a_signed_in_visitor_is_not_sent_to_another_site(client, make_admin, target):
    sign_in(client, make_admin().user.email)
    response = client.get("/login", query_string={"next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/impact"


@pytest.mark.parametrize("target", HOSTILE)
def test_signing_in_does_not_send_anyone_to_another_site(client, make_admin, target):
    admin = make_admin()
    data = {"csrf_token": csrf_token(client), "login": admin.user.email, "password": PASSWORD}
    response = client.post("/login", query_string={"next": target}, data=data)
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/impact"


def test_the_raw_encoded_tab_of_the_report_goes_home(client, make_admin):
    sign_in(client, make_admin().user.email)
    response = client.get("/login?next=/%09/evil.example")
    assert response.headers["Location"] == "/admin/impact"


@pytest.mark.parametrize("target", ["/admin/shops/", "/admin/shops/?q=cafe", "/admin/rules/"])
def test_a_page_of_this_site_is_followed(client, make_admin, target):
    sign_in(client, make_admin().user.email)
    assert client.get("/login", query_string={"next": target}).headers["Location"] == target


@pytest.mark.parametrize("target", ["/[x", "/%5B", "/a/[b"])
def test_a_next_that_breaks_url_parsing_is_refused_not_a_crash(target):
    from ecolife.web.console_auth import same_site_path

    assert same_site_path(target) in (None, target)


def test_a_next_with_a_broken_host_is_refused():
    from ecolife.web.console_auth import same_site_path

    assert same_site_path("//[x") is None
    assert same_site_path("http://[x") is None
