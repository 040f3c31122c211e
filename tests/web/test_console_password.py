"""Shop staff and admins change their password in the console; their other sign-ins end."""

import pytest

from tests.factories import PASSWORD
from tests.web.console import post_form, sign_in, text

PAGE = "/account/password"
NEW_PASSWORD = "a-new-password-2"


def change(client, current=PASSWORD, new=NEW_PASSWORD, again=None):
    data = {
        "current_password": current,
        "new_password": new,
        "new_password_again": new if again is None else again,
    }
    return post_form(client, PAGE, data)


@pytest.fixture(params=["admin", "staff"])
def console_user(request, make_admin, make_shop):
    """A signed-in console user of each kind: (signed_in, their console home)."""
    if request.param == "admin":
        return make_admin(), "/admin/impact"
    return make_shop()[1], "/shop/"


def test_every_console_links_to_the_password_page(client, console_user):
    signed_in, home = console_user
    sign_in(client, signed_in.user.email, lang="en")
    page = text(client.get(home))
    assert f'href="{PAGE}"' in page
    assert "Change password" in page
    assert client.get(PAGE).status_code == 200


def test_changing_the_password_signs_out_every_other_device(app, client, console_user):
    signed_in, home = console_user
    sign_in(client, signed_in.user.email, lang="en")
    tablet = app.test_client()
    sign_in(tablet, signed_in.user.email)
    response = change(client)
    assert response.status_code == 302
    assert response.headers["Location"] == home
    assert "signed out everywhere else" in text(client.get(home))
    # The tablet's console session and the phone app's tokens are gone; this browser stays.
    assert tablet.get(home).status_code == 302
    headers = {"Authorization": f"Bearer {signed_in.access_token}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    assert client.get(home).status_code == 200
    assert sign_in(app.test_client(), signed_in.user.email).status_code == 401
    assert sign_in(app.test_client(), signed_in.user.email, NEW_PASSWORD).status_code == 302


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        ({"current": "not-my-password"}, "current_password", "The current password is wrong."),
        ({"new": "short"}, "new_password", "Use 8 to 128 characters."),
        ({"again": "something-else-1"}, "new_password_again", "The two passwords differ."),
        ({"current": ""}, "current_password", "Please fill this in."),
    ],
)
def test_mistakes_are_shown_next_to_the_field(app, client, make_admin, form, field, message):
    admin = make_admin()
    sign_in(client, admin.user.email, lang="en")
    response = change(client, **form)
    assert response.status_code == 422
    page = text(response)
    assert f'id="{field}-error"' in page
    assert message in page
    # Nothing changed: the old password still signs in and the other session lives.
    headers = {"Authorization": f"Bearer {admin.access_token}"}
    assert client.get("/api/v1/admin/shops", headers=headers).status_code == 200
    assert sign_in(app.test_client(), admin.user.email).status_code == 302


def test_visitors_are_sent_to_sign_in(client):
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/login?next={PAGE}"


def test_the_form_needs_its_csrf_token(client, make_admin):
    sign_in(client, make_admin().user.email)
    data = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    data["new_password_again"] = NEW_PASSWORD
    assert client.post(PAGE, data=data).status_code == 400
