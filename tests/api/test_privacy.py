"""PDPA through the API: the privacy notice, consents, a copy of one's data, and erasure."""

import json
import re
from datetime import date

from sqlalchemy import event, func, select

from ecolife.extensions import db
from ecolife.models import (
    AuthSession,
    Consent,
    LedgerEntry,
    Redemption,
    RefreshToken,
    Scan,
    User,
)
from ecolife.models.recovery import OutboxMessage
from ecolife.services import impact, privacy, redemptions
from ecolife.services.ledger import verify_ledger
from ecolife.services.scope import PROVINCE_WIDE
from tests.factories import PASSWORD, bearer, redeem, scan

REGISTER = {"password": PASSWORD, "display_name": "สมหญิง ใจดี"}


def publish_v2(app, admin_id: int) -> int:
    with app.app_context():
        notice = privacy.publish_notice(
            "## ประกาศฉบับใหม่", "## New notice", admin_id=admin_id, scope=PROVINCE_WIDE
        )
        version = notice.version
        db.session.remove()
        return version


def me(client, signed_in) -> dict:
    response = client.get("/api/v1/me", headers=bearer(signed_in))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_a_fresh_install_has_a_thai_and_english_notice_under_the_pdpa(client):
    body = client.get("/api/v1/privacy-notice").get_json()
    assert body["version"] == 1 and body["published_at"]
    assert "พระราชบัญญัติคุ้มครองข้อมูลส่วนบุคคล พ.ศ. 2562" in body["text_th"]
    assert "Personal Data Protection Act B.E. 2562" in body["text_en"]
    for topic in ("ผู้ควบคุมข้อมูลส่วนบุคคล", "ฐานทางกฎหมาย", "ระยะเวลาการเก็บ", "สิทธิของท่าน"):
        assert topic in body["text_th"]
    assert "ดาวน์โหลดข้อมูลของฉัน" in body["text_th"] and "ลบบัญชี" in body["text_th"]


def test_signing_up_with_the_notice_keeps_the_consent_and_me_says_so(client):
    body = {**REGISTER, "phone": "0812345678", "privacy_notice_version": 1}
    signed_up = client.post("/api/v1/auth/register", json=body)
    assert signed_up.status_code == 201, signed_up.get_json()
    token = {"Authorization": f"Bearer {signed_up.get_json()['access_token']}"}
    profile = client.get("/api/v1/me", headers=token).get_json()
    assert profile["privacy_notice"] == {"version": 1, "accepted_version": 1}


def test_signing_up_with_another_version_is_refused_and_makes_no_account(client):
    body = {**REGISTER, "phone": "0812345679", "privacy_notice_version": 2}
    refused = client.post("/api/v1/auth/register", json=body)
    assert refused.status_code == 409
    assert refused.get_json()["code"] == "privacy_notice_outdated"
    assert "1" in refused.get_json()["detail"]
    retried = client.post("/api/v1/auth/register", json={**body, "privacy_notice_version": 1})
    assert retried.status_code == 201  # the phone was not taken by the refused attempt


def test_a_new_version_makes_the_app_ask_again_and_only_it_can_be_accepted(
    app, client, make_resident, make_admin
):
    resident = make_resident(accept_notice=False)  # an account from before the notice
    assert me(client, resident)["privacy_notice"] == {"version": 1, "accepted_version": None}
    assert (
        client.post(
            "/api/v1/me/consents", json={"privacy_notice_version": 1}, headers=bearer(resident)
        ).status_code
        == 201
    )
    assert me(client, resident)["privacy_notice"] == {"version": 1, "accepted_version": 1}

    assert publish_v2(app, make_admin().user.id) == 2
    assert me(client, resident)["privacy_notice"] == {"version": 2, "accepted_version": 1}
    old = client.post(
        "/api/v1/me/consents", json={"privacy_notice_version": 1}, headers=bearer(resident)
    )
    assert old.status_code == 409 and old.get_json()["code"] == "privacy_notice_outdated"
    first = client.post(
        "/api/v1/me/consents", json={"privacy_notice_version": 2}, headers=bearer(resident)
    )
    again = client.post(
        "/api/v1/me/consents", json={"privacy_notice_version": 2}, headers=bearer(resident)
    )
    assert first.status_code == again.status_code == 201
    assert first.get_json()["accepted_at"] == again.get_json()["accepted_at"]
    assert me(client, resident)["privacy_notice"] == {"version": 2, "accepted_version": 2}
    with app.app_context():
        kept = db.session.scalars(select(Consent.notice_version).order_by(Consent.id)).all()
        assert kept == [1, 2]  # who accepted which version, and when


def test_a_consent_needs_a_version_number(client, make_resident):
    resident = make_resident()
    for body in ({}, {"privacy_notice_version": "1"}, {"privacy_notice_version": 0}):
        refused = client.post("/api/v1/me/consents", json=body, headers=bearer(resident))
        assert refused.status_code == 422, body
        assert "privacy_notice_version" in refused.get_json()["errors"]


def test_the_export_holds_everything_kept_about_the_resident(
    app, client, make_resident, make_shop, make_reward, shop_token, make_admin
):
    shop_id, staff = make_shop()
    resident = make_resident(display_name="สมชาย รักษ์โลก")
    client.post("/api/v1/me/consents", json={"privacy_notice_version": 1}, headers=bearer(resident))
    client.patch(
        "/api/v1/me",
        json={"home_tambon_code": "510101", "home_village_no": 4},
        headers=bearer(resident),
    )
    assert scan(client, resident, shop_token(shop_id), action="bag", quantity=2).status_code == 201
    reward_id = make_reward(shop_id, points=5)
    assert redeem(client, resident, reward_id).status_code == 201
    admin = make_admin()
    with app.app_context():
        privacy.log_access(admin.user.id, [resident.user.id], privacy.RESIDENT_PAGE)
        db.session.add(
            OutboxMessage(
                user_id=resident.user.id, channel="sms", to=resident.user.phone, body="รหัส 123456"
            )
        )
        db.session.commit()

    response = client.get("/api/v1/me/export", headers=bearer(resident))
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith(
        'attachment; filename="ecolife-my-data-'
    )
    assert response.headers["Cache-Control"] == "private, no-store"
    data = json.loads(response.get_data(as_text=True))
    profile = data["profile"]
    assert profile["display_name"] == "สมชาย รักษ์โลก"
    assert profile["phone"] == resident.user.phone
    assert (profile["home_tambon_code"], profile["home_village_no"]) == ("510101", 4)
    assert profile["balance"] == 10 - 5 and profile["last_active_at"]
    assert [c["privacy_notice_version"] for c in data["consents"]] == [1]
    assert [e["kind"] for e in data["ledger"]] == ["earn", "redeem"]
    assert data["scans"][0]["action"] == "bag" and data["scans"][0]["quantity"] == 2
    assert data["redemptions"][0]["reward"] == "ถุงผ้า"
    assert data["redemptions"][0]["status"] == "pending"
    assert len(data["sign_ins"]) == 1
    assert data["messages"] == [
        {**data["messages"][0], "channel": "sms", "to": resident.user.phone, "body": "รหัส 123456"}
    ]
    assert data["personal_data_accesses"][0]["what"] == "resident_page"
    assert "สมชาย" in response.get_data(as_text=True)  # Thai as Thai, not \\u escapes


def test_erasing_needs_the_password_and_changes_nothing_when_it_is_wrong(client, make_resident):
    resident = make_resident()
    wrong = client.delete(
        "/api/v1/me", json={"password": "not-my-password"}, headers=bearer(resident)
    )
    assert wrong.status_code == 422
    assert wrong.get_json()["errors"] == {"password": ["The password is wrong."]}
    assert client.delete("/api/v1/me", json={}, headers=bearer(resident)).status_code == 422
    assert me(client, resident)["phone"] == resident.user.phone


def test_staff_and_admins_cannot_erase_themselves(client, make_shop, make_admin):
    _shop_id, staff = make_shop()
    for user in (staff, make_admin()):
        refused = client.delete("/api/v1/me", json={"password": PASSWORD}, headers=bearer(user))
        assert refused.status_code == 403 and refused.get_json()["code"] == "forbidden"


def test_erasing_removes_what_identifies_the_resident_and_keeps_the_points_history(
    app, client, make_resident, make_shop, make_reward, shop_token, give_points
):
    shop_id, staff = make_shop()
    resident = make_resident(display_name="สมศรี มีสุข")
    user_id, phone = resident.user.id, resident.user.phone
    client.patch(
        "/api/v1/me",
        json={"home_tambon_code": "510101", "home_village_no": 7},
        headers=bearer(resident),
    )
    assert client.get("/api/v1/me/card", headers=bearer(resident)).status_code == 200
    assert scan(client, resident, shop_token(shop_id), action="bag").status_code == 201
    give_points(user_id, 50)
    held = redeem(client, resident, make_reward(shop_id, points=20)).get_json()["redemption"]
    with app.app_context():
        db.session.add(OutboxMessage(user_id=user_id, channel="sms", to=phone, body="x"))
        db.session.commit()
        balance_before = db.session.get(User, user_id).balance

    erased = client.delete("/api/v1/me", json={"password": PASSWORD}, headers=bearer(resident))
    assert erased.status_code == 204, erased.get_json()

    with app.app_context():
        user = db.session.get(User, user_id)
        assert re.fullmatch(r"ผู้ใช้ที่ลบบัญชี [34679ACDEFGHJKMNPQRTUVWXY]{4}", user.display_name)
        assert (user.phone, user.email, user.password_hash, user.card_code) == (None,) * 4
        assert (user.card_pin_hash, user.home_village_no) == (None, None)
        assert user.home_tambon_code == "510101"  # the area figures keep counting the scan
        assert user.erased_at is not None
        # The held reward is cancelled and its points come back, so the balance adds up.
        assert db.session.get(Redemption, held["id"]).status == "cancelled"
        assert user.balance == balance_before + 20
        assert db.session.scalar(select(func.count()).select_from(Scan)) == 1
        assert (
            db.session.scalar(select(func.count()).where(LedgerEntry.user_id == user_id)) == 4
        )  # earn, adjustment, redeem, refund
        assert db.session.scalars(select(AuthSession.revoked_at)).all().count(None) == 1  # staff
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
        own_sessions = select(AuthSession.id).where(AuthSession.user_id == user_id)
        tokens = select(func.count()).where(RefreshToken.session_id.in_(own_sessions))
        assert db.session.scalar(tokens) == 0
        assert verify_ledger() == []
    # Signed out everywhere, cannot sign in again, and the phone can start a new account.
    assert client.get("/api/v1/me", headers=bearer(resident)).status_code == 401
    assert (
        client.post(
            "/api/v1/auth/refresh", json={"refresh_token": resident.refresh_token}
        ).status_code
        == 401
    )
    login = client.post("/api/v1/auth/login", json={"login": phone, "password": PASSWORD})
    assert login.status_code == 401
    again = client.post("/api/v1/auth/register", json={**REGISTER, "phone": phone})
    assert again.status_code == 201 and again.get_json()["user"]["id"] != user_id


def _public_figures(client) -> tuple:
    return (
        client.get("/api/v1/public/impact?from=2026-09&to=2026-10").get_json(),
        client.get("/api/v1/public/impact?area=5101&from=2026-09&to=2026-10").get_json(),
        client.get("/open-data/impact-monthly-by-tambon.csv").get_data(as_text=True),
        client.get("/open-data/impact-monthly-by-shop.json").get_json(),
    )


def _statements(app) -> list:
    with app.app_context():
        rows = impact.shop_statements(date(2026, 1, 1), date(2026, 12, 31))
        db.session.remove()
        return [
            (r.shop_id, r.points_issued, r.points_redeemed, r.confirmed, r.pending, r.cancelled)
            for r in rows
        ]


def test_erasure_leaves_public_figures_shop_statements_and_the_ledger_unchanged(
    app, client, programme, make_reward, publish
):
    resident = programme["residents"][0]  # scanned at all three shops
    shop_id = programme["c"]
    reward_id = make_reward(shop_id, points=5)
    redemption = redeem(client, resident, reward_id).get_json()["redemption"]
    with app.app_context():
        staff_id = db.session.scalar(select(User.id).where(User.shop_id == shop_id))
        redemptions.confirm_redemption(shop_id, staff_id, redemption["id"])
        db.session.remove()
    publish()
    figures, statements = _public_figures(client), _statements(app)
    with app.app_context():
        balances = dict(db.session.execute(select(User.id, User.balance)).all())
        db.session.remove()
    # The resident's token was signed before the clock was set back: still good.
    erased = client.delete("/api/v1/me", json={"password": PASSWORD}, headers=bearer(resident))
    assert erased.status_code == 204
    publish()  # the nightly rebuild after the erasure

    assert _public_figures(client) == figures
    assert _statements(app) == statements
    with app.app_context():
        assert dict(db.session.execute(select(User.id, User.balance)).all()) == balances
        assert verify_ledger() == []


def test_reading_the_notice_ones_profile_and_ones_data_commits_nothing(app, client, make_resident):
    """A GET never commits: the notice, /me and the export only read."""
    resident = make_resident()
    with app.app_context():
        engine = db.engine
    commits = []

    def count(conn):
        commits.append(conn)

    event.listen(engine, "commit", count)
    try:
        for path in ("/api/v1/privacy-notice", "/api/v1/me", "/api/v1/me/export", "/privacy"):
            assert client.get(path, headers=bearer(resident)).status_code == 200, path
    finally:
        event.remove(engine, "commit", count)
    assert commits == []
