"""GET /api/v1/me/notifications and POST /api/v1/me/notifications/read, and the events that
put notifications in an inbox: a redemption confirmed (in the app or at the counter) and a
suspension; the data export carries the inbox and erasure removes it."""

import uuid

import pytest

from ecolife.extensions import db
from ecolife.models import Notification, User
from ecolife.services import notifications, residents
from tests.factories import PASSWORD, bearer, redeem


@pytest.fixture
def tell(app):
    """Put a notification in a user's inbox as the events do; return its id."""

    def put(user_id: int, kind: str = "points_expiring", params=None, key=None) -> int:
        with app.app_context():
            params = params or {"points": 30, "expires_at": "2027-01-31T17:00:00+00:00"}
            new_id = notifications.notify(user_id, kind, params, dedupe_key=key or uuid.uuid4().hex)
            db.session.commit()
            db.session.remove()
            return new_id

    return put


def inbox(client, user, **query):
    return client.get("/api/v1/me/notifications", query_string=query, headers=bearer(user))


def mark(client, user, body):
    return client.post("/api/v1/me/notifications/read", json=body, headers=bearer(user))


def test_the_inbox_lists_the_users_notifications_with_texts_and_the_unread_count(
    client, make_resident, tell
):
    resident = make_resident()
    tell(resident.user.id)
    body = inbox(client, resident).get_json()
    assert body["unread"] == 1 and body["next_cursor"] is None
    [item] = body["items"]
    assert item["kind"] == "points_expiring"
    assert (item["title"], item["body"]) == ("แต้มใกล้หมดอายุ", "30 แต้มจะหมดอายุวันที่ 31 ม.ค. 2570")
    assert item["read_at"] is None and item["created_at"]


def test_the_inbox_speaks_english_when_asked(client, make_resident, tell):
    resident = make_resident()
    tell(resident.user.id)
    headers = {**bearer(resident), "Accept-Language": "en"}
    [item] = client.get("/api/v1/me/notifications", headers=headers).get_json()["items"]
    assert (item["title"], item["body"]) == (
        "Points expiring soon",
        "30 points will expire on 31 Jan 2027",
    )


def test_the_inbox_pages_with_a_cursor_and_counts_all_unread(client, make_resident, tell):
    resident = make_resident()
    ids = [tell(resident.user.id) for _ in range(3)]
    first = inbox(client, resident, limit=2).get_json()
    second = inbox(client, resident, limit=2, cursor=first["next_cursor"]).get_json()
    assert [i["id"] for i in first["items"] + second["items"]] == ids[::-1]
    assert first["unread"] == second["unread"] == 3


def test_a_user_never_sees_anothers_notifications(client, make_resident, tell):
    resident_a, resident_b = make_resident(), make_resident()
    tell(resident_a.user.id)
    assert inbox(client, resident_b).get_json() == {"items": [], "next_cursor": None, "unread": 0}


def test_marking_read_answers_the_unread_left_and_ignores_anothers_ids(
    client, app, make_resident, tell
):
    resident_a, resident_b = make_resident(), make_resident()
    mine = [tell(resident_a.user.id) for _ in range(2)]
    theirs = tell(resident_b.user.id)
    response = mark(client, resident_a, {"ids": [mine[0], theirs]})
    assert response.status_code == 200 and response.get_json() == {"unread": 1}
    assert inbox(client, resident_b).get_json()["unread"] == 1
    items = inbox(client, resident_a).get_json()["items"]
    assert [item["read_at"] is not None for item in items] == [False, True]


def test_marking_all_read(client, make_resident, tell):
    resident = make_resident()
    for _ in range(3):
        tell(resident.user.id)
    assert mark(client, resident, {"all": True}).get_json() == {"unread": 0}


def test_marking_all_read_up_to_the_newest_shown_leaves_a_later_one_unread(
    app, client, make_resident, tell
):
    resident = make_resident()
    shown = [tell(resident.user.id) for _ in range(2)]
    later = tell(resident.user.id)  # arrived after the screen was drawn
    answer = mark(client, resident, {"all": True, "up_to_id": max(shown)})
    assert answer.get_json() == {"unread": 1}
    with app.app_context():
        unread = db.session.scalars(
            db.select(Notification.id).where(Notification.read_at.is_(None))
        ).all()
        db.session.remove()
    assert unread == [later]


@pytest.mark.parametrize(
    "body",
    [{}, {"ids": []}, {"ids": ["x"]}, {"ids": [0]}, {"ids": [2**63]}, {"ids": list(range(1, 102))}],
)
def test_a_mark_read_without_usable_ids_is_a_validation_error(client, make_resident, body):
    response = mark(client, make_resident(), body)
    assert response.status_code == 422 and response.get_json()["code"] == "validation_error"


def test_staff_and_admins_have_inboxes_too(client, make_shop, make_admin, tell):
    _, staff = make_shop()
    admin = make_admin()
    tell(staff.user.id, "account_suspended", {"reason": "ทดสอบ"})
    assert inbox(client, staff).get_json()["unread"] == 1
    assert inbox(client, admin).get_json()["unread"] == 0


def test_the_inbox_needs_a_sign_in(client):
    assert client.get("/api/v1/me/notifications").status_code == 401
    assert client.post("/api/v1/me/notifications/read", json={"all": True}).status_code == 401


def test_a_confirmed_redemption_tells_the_resident(
    client, make_resident, make_shop, make_reward, give_points
):
    resident = make_resident()
    give_points(resident.user.id, 50)
    shop_id, staff = make_shop()
    reward_id = make_reward(shop_id, points=20)
    held = redeem(client, resident, reward_id).get_json()["redemption"]
    assert inbox(client, resident).get_json()["unread"] == 0  # a hold is not news yet
    confirmed = client.post(f"/api/v1/shop/redemptions/{held['id']}/confirm", headers=bearer(staff))
    assert confirmed.status_code == 200
    [item] = inbox(client, resident).get_json()["items"]
    assert item["kind"] == "redemption_confirmed"
    assert item["title"] == "แลกของรางวัลสำเร็จ"
    assert item["body"].startswith("ถุงผ้า ที่ ร้านทดสอบ") and item["body"].endswith("ใช้ 20 แต้ม")


def test_a_refused_confirm_tells_nobody(client, make_resident, make_shop, make_reward, give_points):
    resident = make_resident()
    give_points(resident.user.id, 50)
    shop_id, staff = make_shop()
    held = redeem(client, resident, make_reward(shop_id, points=20)).get_json()["redemption"]
    url = f"/api/v1/shop/redemptions/{held['id']}/confirm"
    client.post(url, headers=bearer(staff))
    assert client.post(url, headers=bearer(staff)).status_code == 409
    assert inbox(client, resident).get_json()["unread"] == 1


def test_a_redemption_at_the_counter_tells_the_card_holder(
    client, make_shop, make_card_holder, make_reward
):
    shop_id, staff = make_shop()
    holder, card = make_card_holder(points=50)
    reward_id = make_reward(shop_id, points=20)
    headers = {**bearer(staff), "Idempotency-Key": uuid.uuid4().hex}
    body = {"card": card, "reward_id": reward_id, "pin": "2580"}
    assert (
        client.post("/api/v1/shop/card-redemptions", json=body, headers=headers).status_code == 201
    )
    [item] = inbox(client, holder).get_json()["items"]
    assert item["kind"] == "redemption_confirmed" and "ใช้ 20 แต้ม" in item["body"]


def test_a_suspension_tells_the_resident_why_and_a_reinstatement_does_not(
    client, app, make_resident, make_admin
):
    resident, admin = make_resident(), make_admin()
    with app.app_context():
        residents.suspend_resident(resident.user.id, reason="สแกนซ้ำผิดปกติ", actor_id=admin.user.id)
        residents.suspend_resident(resident.user.id, reason="อีกครั้ง", actor_id=admin.user.id)
        residents.unsuspend_resident(resident.user.id, reason="ตรวจแล้ว", actor_id=admin.user.id)
        db.session.remove()
    [item] = inbox(client, resident).get_json()["items"]  # suspending twice is one change
    assert item["kind"] == "account_suspended" and item["title"] == "บัญชีถูกระงับ"
    assert "สแกนซ้ำผิดปกติ" in item["body"]


def test_the_data_export_carries_the_inbox(client, make_resident, tell):
    resident = make_resident()
    tell(resident.user.id, "account_suspended", {"reason": "ทดสอบ"})
    exported = client.get("/api/v1/me/export", headers=bearer(resident)).get_json()
    [row] = exported["notifications"]
    assert row["kind"] == "account_suspended" and row["params"] == {"reason": "ทดสอบ"}


def test_erasing_an_account_removes_its_inbox(client, app, make_resident, tell):
    resident, other = make_resident(), make_resident()
    tell(resident.user.id, "account_suspended", {"reason": "ทดสอบ"})
    tell(other.user.id)
    response = client.delete("/api/v1/me", json={"password": PASSWORD}, headers=bearer(resident))
    assert response.status_code == 204
    with app.app_context():
        left = db.session.query(Notification.user_id).all()
        assert left == [(other.user.id,)]
        assert db.session.get(User, resident.user.id).erased_at is not None
