"""Seed a benchmark population and write the load generator's request files.

Runs inside the app (same config as the server, so the access tokens it signs are valid):
    python bench/seed.py OUT_DIR --residents 10000 --extra-shops 100 --history 10000
"""

import argparse
import json
import uuid
from datetime import timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import insert, select, text

from config import config_from_env
from ecolife import clock, create_app
from ecolife.extensions import db
from ecolife.models import (
    Action,
    Area,
    AuthSession,
    Impact,
    LedgerEntry,
    Reward,
    Role,
    Scan,
    Shop,
    User,
)
from ecolife.security import encode_access_token, hash_password, random_token
from ecolife.services.demo import seed_demo_data

START_POINTS = 1000
REWARD_POINTS = 10


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--residents", type=int, default=10_000)
    parser.add_argument("--extra-shops", type=int, default=100)
    parser.add_argument(
        "--history", type=int, default=10_000, help="ledger entries of the heavy resident"
    )
    parser.add_argument(
        "--scans", type=int, default=60_000, help="distinct credited scans to prepare"
    )
    parser.add_argument("--pairs", type=int, default=20_000, help="redemption pairs to prepare")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    app = create_app(config_from_env())
    with app.app_context():
        seed_demo_data()
        shops = add_shops(args.extra_shops)
        residents = add_residents(args.residents)
        heavy, fresh = residents[0], residents[1]
        add_history(heavy["id"], shops, args.history)
        db.session.commit()
        write_requests(args, shops, residents, heavy, fresh)
    print(json.dumps({"shops": len(shops), "residents": len(residents), "history": args.history}))


def add_shops(extra: int) -> list[dict]:
    tambon_codes = select(Area.code).where(Area.level == "tambon").order_by(Area.code)
    tambons = list(db.session.scalars(tambon_codes))
    rows = [
        {
            "name": f"ร้านทดสอบ {n}",
            "name_en": f"Bench shop {n}",
            "qr_token": random_token(),
            "district_code": tambons[n % len(tambons)][:4],
            "tambon_code": tambons[n % len(tambons)],
            "active": True,
        }
        for n in range(extra)
    ]
    db.session.execute(insert(Shop), rows)
    shops = []
    for shop in db.session.scalars(select(Shop).order_by(Shop.id)):
        staff = User(
            email=f"staff{shop.id}@bench.test",
            display_name=f"staff {shop.id}",
            role=Role.SHOP_STAFF,
            shop_id=shop.id,
        )
        reward = Reward(shop_id=shop.id, name_th="ส่วนลด", name_en="Discount", points=REWARD_POINTS)
        db.session.add_all([staff, reward])
        db.session.flush()
        shops.append(
            {
                "id": shop.id,
                "token": shop.qr_token,
                "reward": reward.id,
                "staff": access_token(staff.id, Role.SHOP_STAFF),
            }
        )
    return shops


def add_residents(count: int) -> list[dict]:
    password = hash_password("bench-password")  # one hash for all: argon2 is slow on purpose
    now = clock.now()
    users = [
        {
            "phone": f"+6690{n:07d}",
            "display_name": f"ผู้ใช้ {n}",
            "role": Role.RESIDENT,
            "password_hash": password,
            "locale": "th",
            "balance": START_POINTS,
            "created_at": now,
        }
        for n in range(count)
    ]
    ids = list(db.session.scalars(insert(User).returning(User.id), users))
    entries = [
        {
            "user_id": uid,
            "kind": "adjustment",
            "delta": START_POINTS,
            "balance_after": START_POINTS,
            "reason": "benchmark start",
            "reason_code": "adjustment",
            "created_at": now,
        }
        for uid in ids
    ]
    db.session.execute(insert(LedgerEntry), entries)
    return [{"id": uid, "token": access_token(uid, Role.RESIDENT)} for uid in ids]


def add_history(user_id: int, shops: list[dict], count: int) -> None:
    """Give one resident `count` past scans, each with its earn entry, over the last years."""
    bag = db.session.scalar(select(Action).where(Action.code == "bag"))
    now = clock.now()
    scans = [
        {
            "user_id": user_id,
            "shop_id": shops[n % len(shops)]["id"],
            "action_id": bag.id,
            "quantity": 1,
            "points": 1,
            "milligrams": bag.milligrams,
            "created_at": now - timedelta(hours=2 * (count - n) + 24),
        }
        for n in range(count)
    ]
    scan_ids = list(db.session.scalars(insert(Scan).returning(Scan.id), scans))
    balance = START_POINTS
    entries = []
    for scan_id, scan in zip(scan_ids, scans, strict=True):
        balance += 1
        entries.append(
            {
                "user_id": user_id,
                "kind": "earn",
                "delta": 1,
                "balance_after": balance,
                "reason": "",
                "reason_code": "scan",
                "reason_params": {"action": "bag", "quantity": 1},
                "shop_id": scan["shop_id"],
                "scan_id": scan_id,
                "actor_id": user_id,
                "created_at": scan["created_at"],
            }
        )
    db.session.execute(insert(LedgerEntry), entries)
    db.session.execute(
        text("UPDATE users SET balance = :b WHERE id = :id"), {"b": balance, "id": user_id}
    )
    db.session.execute(
        insert(Impact),
        [
            {
                "user_id": user_id,
                "action_id": bag.id,
                "items": count,
                "milligrams": count * bag.milligrams,
            }
        ],
    )


def access_token(user_id: int, role: str) -> str:
    now = clock.now()
    session = AuthSession(user_id=user_id, expires_at=now + timedelta(days=1))
    db.session.add(session)
    db.session.flush()
    return encode_access_token(
        current_app.config["SECRET_KEY"],
        user_id=user_id,
        session_id=session.id,
        role=role,
        now=now,
        ttl=current_app.config["ACCESS_TOKEN_TTL"],
    )


def request(
    method: str,
    path: str,
    token: str | None = None,
    body: dict | None = None,
    key: bool = False,
    **extra,
) -> dict:
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if key:
        headers["Idempotency-Key"] = uuid.uuid4().hex
    if body is not None:
        headers["Content-Type"] = "application/json"
    return {
        "method": method,
        "path": path,
        "headers": headers,
        "body": json.dumps(body) if body is not None else "",
        **extra,
    }


def write(path: Path, requests) -> None:
    with path.open("w") as out:
        for item in requests:
            out.write(json.dumps(item) + "\n")


def scan_requests(shops, residents, start: int, count: int, action: str = "bag"):
    # Pair i is resident i mod R at a shop that moves with i: every pair is distinct, and no
    # resident passes the daily caps while i < 10 R, so the rules credit every one.
    r = len(residents)
    for i in range(start, start + count):
        resident, shop = residents[i % r], shops[(i // r + i) % len(shops)]
        yield request(
            "POST",
            "/api/v1/scans",
            resident["token"],
            {"code": shop["token"], "action": action},
            key=True,
        )


def write_requests(args, shops, residents, heavy, fresh) -> None:
    out = args.out
    write(out / "baseline.jsonl", [request("GET", "/livez")])
    write(out / "me.jsonl", (request("GET", "/api/v1/me", r["token"]) for r in residents[2:]))
    write(out / "scans.jsonl", scan_requests(shops, residents[2:], 0, args.scans))
    write(out / "scans_rate.jsonl", scan_requests(shops, residents[2:], args.scans, 4000))
    write(
        out / "redeem.jsonl",
        (
            request(
                "POST",
                "/api/v1/redemptions",
                residents[2 + i % (len(residents) - 2)]["token"],
                {"reward_id": shops[i % len(shops)]["reward"]},
                key=True,
                then=request(
                    "POST", "/api/v1/shop/redemptions/{id}/confirm", shops[i % len(shops)]["staff"]
                ),
            )
            for i in range(args.pairs)
        ),
    )
    for name, who in (("heavy", heavy), ("new", fresh)):
        write(out / f"me_{name}.jsonl", [request("GET", "/api/v1/me", who["token"])])
        write(
            out / f"scans_{name}.jsonl",
            (
                request(
                    "POST",
                    "/api/v1/scans",
                    who["token"],
                    {"code": shops[i % len(shops)]["token"], "action": "straw"},
                    key=True,
                )
                for i in range(3000)
            ),
        )


if __name__ == "__main__":
    main()
