"""The console's forgotten-password pages, and the admin's new invite and password reset for
shop staff (both end the staff member's sessions and go out through the outbox)."""

import re
import threading
import time

import psycopg
from sqlalchemy import func, select

from ecolife.extensions import db
from ecolife.models import Invite, User
from tests.api.test_password_reset import last_code as sent_code
from tests.api.test_password_reset import messages, work
from tests.factories import PASSWORD, bearer
from tests.web.console import csrf_token, post_form, sign_in, text

NEW_PASSWORD = "a-new-password-2"


def ask_for_code(client, login: str):
    client.set_cookie("lang", "th")
    asked = post_form(client, "/login/forgot", {"login": login})
    work(client.application)  # the worker makes the code and sends it
    return asked


def reset(client, login: str, code: str, password: str = NEW_PASSWORD, again: str | None = None):
    data = {
        "login": login,
        "code": code,
        "new_password": password,
        "new_password_again": password if again is None else again,
    }
    return post_form(client, "/login/reset", data)


def test_the_sign_in_page_leads_to_the_forgotten_password_page(client):
    page = text(client.get("/login"))
    assert 'href="/login/forgot"' in page and 'data-test="forgot-password"' in page
    assert client.get("/login/forgot").status_code == 200


def test_a_shop_owner_resets_the_password_and_is_signed_in(app, client, make_shop):
    _shop_id, owner = make_shop()
    asked = ask_for_code(client, owner.user.email.upper())
    assert asked.status_code == 302 and asked.headers["Location"] == "/login/reset"
    form = text(client.get("/login/reset"))
    assert f'value="{owner.user.email.upper()}"' in form  # the login, filled in
    (message,) = messages(app)
    assert (message.channel, message.to) == ("email", owner.user.email)
    assert message.subject == "รหัสตั้งรหัสผ่านใหม่ EcoLife"

    wrong = reset(client, owner.user.email, "000000" if sent_code(app) != "000000" else "111111")
    assert wrong.status_code == 422 and 'data-test="refusal"' in text(wrong)
    differ = reset(client, owner.user.email, sent_code(app), again="something-else-1")
    assert differ.status_code == 422
    done = reset(client, owner.user.email, sent_code(app))
    assert done.status_code == 302 and done.headers["Location"] == "/shop/"
    assert client.get("/shop/").status_code == 200
    # The session from before the reset has ended; the new password works.
    assert client.get("/api/v1/me", headers=bearer(owner)).status_code == 401
    assert sign_in(app.test_client(), owner.user.email, NEW_PASSWORD).status_code == 302


def test_an_unknown_login_gets_the_same_pages(app, client):
    asked = ask_for_code(client, "nobody@example.com")
    assert asked.status_code == 302 and asked.headers["Location"] == "/login/reset"
    assert messages(app) == []
    refused = reset(client, "nobody@example.com", "123456")
    assert refused.status_code == 422


def test_a_wrong_code_and_an_unknown_login_get_the_same_refusal(app, client, make_shop):
    _shop_id, owner = make_shop()
    ask_for_code(client, owner.user.email)
    wrong = "000000" if sent_code(app) != "000000" else "111111"
    known = reset(client, owner.user.email, wrong)
    unknown = reset(client, "nobody@example.com", wrong)
    assert known.status_code == unknown.status_code == 422

    def refusal(page) -> str:
        return re.search(r'data-test="refusal"[^>]*>(.*?)<', text(page), re.S).group(1).strip()

    assert refusal(known) == refusal(unknown)


def test_a_resident_is_sent_to_the_app_after_the_reset(app, client, make_resident):
    resident = make_resident(phone="+66812345678")
    ask_for_code(client, "081 234 5678")
    done = reset(client, "0812345678", sent_code(app))
    assert done.status_code == 200 and 'data-test="reset-done"' in text(done)
    assert 'href="/app/"' in text(done)
    assert client.get("/api/v1/me", headers=bearer(resident)).status_code == 401
    login = {"login": "0812345678", "password": NEW_PASSWORD}
    assert client.post("/api/v1/auth/login", json=login).status_code == 200


def test_the_console_and_the_api_share_the_request_limit(app, client, make_resident):
    make_resident(phone="+66812345678")
    for _n in range(3):
        answer = client.post("/api/v1/auth/password-reset", json={"login": "0812345678"})
        assert answer.status_code == 202
    assert ask_for_code(client, "0812345678").status_code == 429
    assert len(messages(app)) == 3


def test_a_bad_form_is_answered_on_the_page(client):
    refused = post_form(client, "/login/forgot", {"login": ""})
    assert refused.status_code == 422 and "field-error" in text(refused)
    assert client.post("/login/forgot", data={"login": "x@example.com"}).status_code == 400


# ---- the admin's new invite and password reset -------------------------------------------


def staff_path(shop_id: int, user_id: int, action: str) -> str:
    return f"/admin/shops/{shop_id}/staff/{user_id}/{action}"


def test_the_shop_page_offers_both_actions_with_a_confirmation(app, client, make_shop, make_admin):
    shop_id, owner = make_shop()
    sign_in(client, make_admin().user.email)
    page = text(client.get(f"/admin/shops/{shop_id}"))
    assert staff_path(shop_id, owner.user.id, "invite") in page
    assert staff_path(shop_id, owner.user.id, "reset-password") in page
    confirm = client.get(staff_path(shop_id, owner.user.id, "reset-password"))
    assert confirm.status_code == 200 and 'data-test="confirm"' in text(confirm)
    assert messages(app) == []  # asking changes nothing


def test_resetting_a_staff_password_ends_their_sessions_and_sends_a_new_link(
    app, client, make_shop, make_admin
):
    shop_id, owner = make_shop()
    sign_in(client, make_admin().user.email)
    done = post_form(client, staff_path(shop_id, owner.user.id, "reset-password"), {})
    assert done.status_code == 200
    invite_url = re.search(r'value="(http[^"]+/invite/[^"]+)"', text(done)).group(1)
    (message,) = messages(app)
    assert message.to == owner.user.email and invite_url in message.body
    # The old password and sessions no longer work; the link sets a new password.
    assert client.get("/api/v1/me", headers=bearer(owner)).status_code == 401
    login = {"login": owner.user.email, "password": PASSWORD}
    assert client.post("/api/v1/auth/login", json=login).status_code == 401
    accepted = client.post(
        "/api/v1/auth/accept-invite",
        json={"token": invite_url.rsplit("/", 1)[1], "password": NEW_PASSWORD},
    )
    assert accepted.status_code == 200


def test_a_new_invite_revokes_the_earlier_unused_link(app, client, make_admin):
    admin = make_admin()
    sign_in(client, admin.user.email)
    created = post_form(
        client,
        "/admin/shops/new",
        {
            "name": "ร้านรอเจ้าของ",
            "district": "5101",
            "tambon_code": "510101",
            "owner.display_name": "เจ้าของ",
            "owner.phone": "0812345670",
        },
    )
    first_link = re.search(r'value="(http[^"]+/invite/[^"]+)"', text(created)).group(1)
    with app.app_context():
        owner = db.session.scalar(select(User).where(User.phone == "+66812345670"))
        shop_id, owner_id = owner.shop_id, owner.id
        db.session.remove()
    done = post_form(client, staff_path(shop_id, owner_id, "invite"), {})
    assert done.status_code == 200
    second_link = re.search(r'value="(http[^"]+/invite/[^"]+)"', text(done)).group(1)
    (message,) = messages(app)
    assert (message.channel, message.to) == ("sms", "+66812345670")
    assert second_link in message.body and "ตั้งรหัสผ่านสำหรับร้าน" in message.body
    old = client.post(
        "/api/v1/auth/accept-invite",
        json={"token": first_link.rsplit("/", 1)[1], "password": NEW_PASSWORD},
    )
    assert old.status_code == 410
    with app.app_context():
        assert (
            db.session.scalar(
                select(Invite)
                .where(Invite.user_id == owner_id)
                .where(Invite.expires_at > db.func.now())
            )
            is not None
        )
        db.session.remove()


def test_a_scoped_admin_cannot_act_on_another_area_or_another_shops_staff(
    app, client, make_shop, make_admin
):
    shop_id, owner = make_shop(district="5101")
    other_shop, other_owner = make_shop(district="5101")
    sign_in(client, make_admin(area="5104").user.email)
    assert client.get(staff_path(shop_id, owner.user.id, "invite")).status_code == 404
    token = csrf_token(client, "/account/password")
    path = staff_path(shop_id, owner.user.id, "reset-password")
    assert client.post(path, data={"csrf_token": token}).status_code == 404
    inside = app.test_client()
    sign_in(inside, make_admin(area="5101").user.email)
    mixed = staff_path(shop_id, other_owner.user.id, "invite")
    assert inside.get(mixed).status_code == 404
    assert messages(app) == []
    assert client.get("/api/v1/me", headers=bearer(owner)).status_code == 200


def test_two_admins_sending_invites_at_once_leave_one_live_invite(app, make_shop):
    from ecolife.jobs import conninfo
    from ecolife.services.password_reset import reinvite_staff

    shop_id, owner = make_shop()
    user_id = owner.user.id
    # The first admin: holds the account's row and has made an invite, not yet committed.
    first = psycopg.connect(conninfo(app))
    first.execute("SELECT id FROM users WHERE id = %s FOR UPDATE", (user_id,))
    first.execute(
        "INSERT INTO invites (user_id, token_hash, created_at, expires_at) "
        "VALUES (%s, %s, now(), now() + interval '7 days')",
        (user_id, "f" * 64),
    )
    done = []

    def second_admin():
        with app.test_request_context():
            reinvite_staff(shop_id, user_id, reset_password=False)
            done.append(time.monotonic())
            db.session.remove()

    second = threading.Thread(target=second_admin)
    second.start()
    time.sleep(1)
    committed = time.monotonic()
    first.commit()
    first.close()
    second.join(timeout=30)
    assert done and done[0] > committed  # the second waited for the first
    with app.app_context():
        live = select(func.count()).where(
            Invite.user_id == user_id, Invite.used_at.is_(None), Invite.expires_at > func.now()
        )
        assert db.session.scalar(live) == 1
        db.session.remove()
