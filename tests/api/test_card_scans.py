"""Staff credit a member card holder at the counter: POST /api/v1/shop/card-scans."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from ecolife.errors import UnknownCard
from ecolife.extensions import db
from ecolife.models import CardCreditDay, LedgerEntry, Scan, User
from ecolife.services import earning, residents, settings
from tests.factories import bearer, scan

T0 = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)  # 10:00 in Bangkok


def card_scan(client, staff, card, *, key=None, **body):
    headers = {**bearer(staff), "Idempotency-Key": key or uuid.uuid4().hex}
    return client.post("/api/v1/shop/card-scans", json={"card": card, **body}, headers=headers)


def balance(client, resident) -> int:
    return client.get("/api/v1/me", headers=bearer(resident)).get_json()["balance"]


def set_limits(app, **limits) -> None:
    with app.app_context():
        settings.update_limits(limits)
        db.session.remove()


@pytest.fixture
def counter(make_shop, make_card_holder):
    shop_id, staff = make_shop()
    holder, card = make_card_holder()
    return shop_id, staff, holder, card


def test_staff_credit_a_card_and_the_ledger_names_shop_staff_and_card(client, app, counter):
    shop_id, staff, holder, card = counter
    response = card_scan(client, staff, card.lower(), action="straw", quantity=2)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["scan"]["action"] == "straw"
    assert body["scan"]["quantity"] == 2
    assert body["scan"]["shop"]["id"] == shop_id
    assert body["scan"]["card"] is True
    assert body["balance"] == body["scan"]["points"] == balance(client, holder)
    with app.app_context():
        [entry] = db.session.query(LedgerEntry).filter_by(user_id=holder.user.id).all()
        assert entry.reason_code == "card_scan"
        assert (entry.shop_id, entry.actor_id) == (shop_id, staff.user.id)
        assert db.session.get(Scan, entry.scan_id).card_staff_id == staff.user.id
    history = client.get("/api/v1/me/ledger", headers=bearer(holder)).get_json()
    assert history["items"][0]["reason_code"] == "card_scan"


def test_a_bag_is_the_default_refusal(client, counter):
    _, staff, _, card = counter
    assert card_scan(client, staff, card).get_json()["scan"]["action"] == "bag"


def test_a_retry_with_the_same_key_by_the_same_staff_replays(client, counter):
    _, staff, holder, card = counter
    first = card_scan(client, staff, card, key="counter-1")
    again = card_scan(client, staff, card, key="counter-1")
    assert again.status_code == 201
    assert again.get_json() == first.get_json()
    assert balance(client, holder) == first.get_json()["balance"]
    reused = card_scan(client, staff, card, key="counter-1", action="straw")
    assert reused.get_json()["code"] == "idempotency_key_reused"


def test_staff_keys_never_meet_the_holders_app_keys_or_other_staff(
    client, app, counter, make_shop, shop_token
):
    shop_id, staff, holder, card = counter
    other_shop, other_staff = make_shop()
    assert scan(client, holder, shop_token(other_shop), key="same").status_code == 201
    assert card_scan(client, staff, card, key="same").status_code == 201
    set_limits(app, scan_cooldown_seconds=0)
    assert card_scan(client, other_staff, card, key="same").status_code == 201
    with app.app_context():
        assert db.session.query(Scan).filter_by(user_id=holder.user.id).count() == 3


def test_the_poster_cooldown_applies_to_card_credits(client, counter, set_now):
    _, staff, holder, card = counter
    set_now(T0)
    assert card_scan(client, staff, card).status_code == 201
    set_now(T0 + timedelta(minutes=10))
    response = card_scan(client, staff, card)
    assert (response.status_code, response.get_json()["code"]) == (429, "cooldown_active")
    assert response.get_json()["retry_after"] == 20 * 60
    set_now(T0 + timedelta(minutes=30))
    assert card_scan(client, staff, card).status_code == 201


def test_the_daily_caps_count_card_credits_and_app_scans_together(client, app, counter, shop_token):
    shop_id, staff, holder, card = counter
    set_limits(app, scan_cooldown_seconds=0, daily_scans_per_shop=2)
    assert scan(client, holder, shop_token(shop_id)).status_code == 201
    assert card_scan(client, staff, card).status_code == 201
    refused = card_scan(client, staff, card)
    assert (refused.status_code, refused.get_json()["code"]) == (429, "daily_cap_reached")


def test_the_quantity_and_action_are_checked(client, counter):
    _, staff, holder, card = counter
    too_many = card_scan(client, staff, card, quantity=6)
    assert (too_many.status_code, too_many.get_json()["code"]) == (422, "validation_error")
    assert "quantity" in too_many.get_json()["errors"]
    unknown = card_scan(client, staff, card, action="nope")
    assert (unknown.status_code, unknown.get_json()["errors"]) == (
        422,
        {"action": ["Unknown action."]},
    )
    assert balance(client, holder) == 0


def test_a_suspended_holder_gets_nothing(client, app, counter, make_admin):
    _, staff, holder, card = counter
    admin = make_admin()
    with app.app_context():
        residents.suspend_resident(holder.user.id, reason="ทดสอบ", actor_id=admin.user.id)
        db.session.remove()
    response = card_scan(client, staff, card)
    assert (response.status_code, response.get_json()["code"]) == (403, "account_suspended")


def test_a_suspended_shop_credits_nothing(client, app, counter, make_admin):
    shop_id, staff, holder, card = counter
    admin = make_admin()
    client.patch(f"/api/v1/admin/shops/{shop_id}", json={"active": False}, headers=bearer(admin))
    response = card_scan(client, staff, card)
    assert (response.status_code, response.get_json()["code"]) == (409, "shop_inactive")
    assert balance(client, holder) == 0


def test_an_unknown_card_is_a_404(client, counter):
    _, staff, _, _ = counter
    for card in ("AAAA-AAAA-AAAA", "not a card", "x" * 64):
        response = card_scan(client, staff, card)
        assert (response.status_code, response.get_json()["code"]) == (404, "unknown_card")


def test_a_shop_gives_at_most_its_daily_card_credits(
    client, app, make_shop, make_card_holder, set_now
):
    set_limits(app, card_credits_per_shop_per_day=2)
    shop_id, staff = make_shop()
    _, other_staff = make_shop()
    holders = [make_card_holder() for _ in range(3)]
    set_now(T0)
    assert card_scan(client, staff, holders[0][1]).status_code == 201
    assert card_scan(client, staff, holders[1][1]).status_code == 201
    refused = card_scan(client, staff, holders[2][1])
    assert refused.status_code == 429
    body = refused.get_json()
    assert body["code"] == "card_credit_limit_reached"
    assert body["retry_after"] == 14 * 3600  # until midnight in Bangkok
    assert card_scan(client, other_staff, holders[2][1]).status_code == 201
    set_now(T0 + timedelta(days=1))
    assert card_scan(client, staff, holders[2][1]).status_code == 201
    with app.app_context():
        counts = {
            (r.shop_id, r.day.isoformat()): r.credits for r in db.session.query(CardCreditDay)
        }
    assert counts[(shop_id, "2026-11-23")] == 2
    assert counts[(shop_id, "2026-11-24")] == 1


def test_a_refused_credit_does_not_use_up_the_shops_card_credits(
    client, app, counter, make_card_holder
):
    set_limits(app, card_credits_per_shop_per_day=1)
    _, staff, _, card = counter
    assert card_scan(client, staff, card, quantity=99).status_code == 422
    assert card_scan(client, staff, card).status_code == 201
    _, other = make_card_holder()
    assert card_scan(client, staff, other).get_json()["code"] == "card_credit_limit_reached"


def test_a_refusal_is_replayed_for_its_key(client, app, counter):
    _, staff, _, card = counter
    assert card_scan(client, staff, card).status_code == 201
    first = card_scan(client, staff, card, key="twice")
    set_limits(app, scan_cooldown_seconds=0)
    again = card_scan(client, staff, card, key="twice")
    assert first.get_json()["code"] == again.get_json()["code"] == "cooldown_active"


def test_a_card_scan_needs_an_idempotency_key_and_a_card(client, counter):
    _, staff, _, card = counter
    response = client.post("/api/v1/shop/card-scans", json={"card": card}, headers=bearer(staff))
    assert response.get_json()["code"] == "idempotency_key_required"
    for body in ({}, {"card": ""}, {"card": card, "quantity": "2"}, {"card": card, "extra": 1}):
        headers = {**bearer(staff), "Idempotency-Key": uuid.uuid4().hex}
        response = client.post("/api/v1/shop/card-scans", json=body, headers=headers)
        assert response.status_code == 422, body


def test_the_admin_tunes_the_daily_card_credits(client, make_admin):
    admin = make_admin()
    response = client.patch(
        "/api/v1/admin/limits", json={"card_credits_per_shop_per_day": 5}, headers=bearer(admin)
    )
    assert response.get_json()["card_credits_per_shop_per_day"] == 5
    zero = client.patch(
        "/api/v1/admin/limits", json={"card_credits_per_shop_per_day": 0}, headers=bearer(admin)
    )
    assert zero.status_code == 422


def test_a_refused_credit_leaves_the_count_and_one_past_the_limit_writes_nothing(
    client, app, make_shop, make_card_holder, set_now
):
    set_limits(app, card_credits_per_shop_per_day=1)
    shop_id, staff = make_shop()
    (_holder, card), (other, other_card) = make_card_holder(), make_card_holder()
    set_now(T0)
    assert card_scan(client, staff, card).status_code == 201
    set_now(T0 + timedelta(minutes=5))
    # Refused by the cooldown: the shop's count stays at the one credit made.
    assert card_scan(client, staff, card).get_json()["code"] == "cooldown_active"
    # Refused by the limit, counted after the write: the write is undone with the count.
    refused = card_scan(client, staff, other_card)
    assert refused.get_json()["code"] == "card_credit_limit_reached"
    assert balance(client, other) == 0
    with app.app_context():
        assert [r.credits for r in db.session.query(CardCreditDay)] == [1]
        assert db.session.query(Scan).filter_by(user_id=other.user.id).count() == 0
        assert db.session.query(LedgerEntry).filter_by(user_id=other.user.id).count() == 0


def test_an_erased_holder_is_an_unknown_card_at_the_counter(app, counter):
    shop_id, staff, holder, _card = counter
    with app.app_context():
        user = db.session.get(User, holder.user.id)
        user.erased_at = user.created_at
        db.session.commit()
        # Erased between the look-up and the credit: the counter's own read refuses.
        with pytest.raises(UnknownCard):
            earning.earn_at_counter(
                holder.user.id, earning.CounterCredit(shop_id, staff.user.id), key="card:gone"
            )
        assert db.session.query(Scan).count() == 0
