"""GET /api/v1/me/ledger says why each entry exists: a code, its parameters, and a sentence
in the request's language, with the action, quantity and shop of a scan."""

from datetime import timedelta

from ecolife import clock
from tests.factories import bearer, redeem, scan


def ledger(client, resident, lang: str) -> list[dict]:
    headers = {**bearer(resident), "Accept-Language": lang}
    response = client.get("/api/v1/me/ledger?limit=100", headers=headers)
    assert response.status_code == 200
    return response.get_json()["items"]


def test_every_kind_of_entry_has_a_code_and_reads_in_the_readers_language(
    client, make_resident, make_shop, shop_token, make_reward, give_points, monkeypatch, runner
):
    resident = make_resident()
    give_points(resident.user.id, 50)
    shop_id, _ = make_shop("ร้านป้าแดง")
    reward_id = make_reward(shop_id, points=20)
    assert scan(client, resident, shop_token(shop_id), action="bag", quantity=2).status_code == 201
    cancelled = redeem(client, resident, reward_id).get_json()["redemption"]["id"]
    client.post(f"/api/v1/redemptions/{cancelled}/cancel", headers=bearer(resident))
    expired = redeem(client, resident, reward_id).get_json()["redemption"]["id"]
    later = clock.now() + timedelta(minutes=16)
    monkeypatch.setattr(clock, "now", lambda: later)
    assert runner.invoke(args=["expire-redemptions"]).output.startswith("Expired 1")

    thai = ledger(client, resident, "th")
    assert [(e["kind"], e["reason_code"], e["reason_params"]) for e in thai] == [
        ("refund", "redemption_expired", {"redemption_id": expired}),
        ("redeem", "reward", {"reward_id": reward_id}),
        ("refund", "redemption_cancelled", {"redemption_id": cancelled}),
        ("redeem", "reward", {"reward_id": reward_id}),
        ("earn", "scan", {"action": "bag", "quantity": 2}),
        ("adjustment", "adjustment", {}),
    ]
    assert [e["reason"] for e in thai] == [
        "คืนแต้ม การแลกของรางวัลหมดเวลา: ถุงผ้า",
        "แลกของรางวัล: ถุงผ้า",
        "คืนแต้ม ยกเลิกการแลกของรางวัล: ถุงผ้า",
        "แลกของรางวัล: ถุงผ้า",
        "ไม่รับถุงพลาสติก จำนวน 2",
        "เหตุผลจากเจ้าหน้าที่: test credit",
    ]
    english = ledger(client, resident, "en")
    assert [e["reason"] for e in english] == [
        "Refund, reward expired: Tote bag",
        "Reward: Tote bag",
        "Refund, reward cancelled: Tote bag",
        "Reward: Tote bag",
        "No plastic bag × 2",
        "Administrator's reason: test credit",
    ]


def test_a_scan_entry_names_its_action_quantity_and_shop(
    client, make_resident, make_shop, shop_token
):
    resident = make_resident()
    shop_id, _ = make_shop("ร้านป้าแดง")
    scan(client, resident, shop_token(shop_id), action="straw", quantity=3)
    [entry] = ledger(client, resident, "th")
    assert entry["action"] == {
        "code": "straw",
        "name": "ไม่รับหลอดพลาสติก",
        "name_th": "ไม่รับหลอดพลาสติก",
        "name_en": "No plastic straw",
    }
    assert entry["quantity"] == 3
    assert entry["shop"]["id"] == shop_id
    assert entry["shop"]["name"].startswith("ร้านป้าแดง")


def test_entries_without_a_scan_have_no_action_or_quantity(client, make_resident, give_points):
    resident = make_resident()
    give_points(resident.user.id, 5)
    [entry] = ledger(client, resident, "en")
    assert (entry["action"], entry["quantity"], entry["shop"]) == (None, None, None)
