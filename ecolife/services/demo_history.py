"""Demo history: six past months (and this one) of residents refusing plastic at demo shops.

So that a new installation's public figures (/impact, the open data) show something the day
it starts. Every scan and redemption goes through the real services (rules, ledger, caps) with
the clock set to its moment in the past; nothing is written around them. Idempotent: it adds
nothing once its residents exist. Only for demonstrations (`ecolife seed-demo --history`).
"""

import random
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta

from sqlalchemy import select

from ecolife import clock, rules
from ecolife.errors import InsufficientPoints
from ecolife.extensions import db
from ecolife.models import Area, Reward, Role, Shop, User
from ecolife.services import accounts, earning, participation, redemptions
from ecolife.services.demo import DEMO_SHOPS
from ecolife.services.scope import PROVINCE_WIDE

MONTHS = 6
# Residents per home shop, and the home shops: six demo shops in six sub-districts.
RESIDENTS_PER_SHOP = 8
HOME_SHOPS = (0, 3, 4, 6, 8, 11)
PHONE_PREFIX = "+6680000"
FIRST_NAMES = (
    "สมศรี",
    "บุญมี",
    "คำปัน",
    "แสงดาว",
    "ประเสริฐ",
    "จันทร์ตา",
    "ศรีนวล",
    "ทองดี",
    "มาลัย",
    "สุริยา",
    "บัวผัน",
    "อินทร",
    "ดวงใจ",
    "เกษม",
    "พิมพ์",
    "ปั้น",
)
PASSWORD = "ecolife-demo-history"


@contextmanager
def _clock_at(moment: datetime) -> Iterator[None]:
    original = clock.now
    clock.now = lambda: moment
    try:
        yield
    finally:
        clock.now = original


def seed_demo_history(*, today: date | None = None, seed: int = 2567) -> int:
    """Add the demo residents and their past scans and redemptions; return how many scans."""
    if db.session.scalar(select(User.id).where(User.phone.startswith(PHONE_PREFIX)).limit(1)):
        return 0
    names = [shop[0] for shop in DEMO_SHOPS]
    by_name = {s.name: s for s in db.session.scalars(select(Shop).where(Shop.name.in_(names)))}
    homes = [by_name[names[i]] for i in HOME_SHOPS]
    counter = by_name[names[0]]  # its owner is the demo shop account, who confirms
    staff_id = db.session.scalar(select(User.id).where(User.shop_id == counter.id).limit(1))
    reward_id = db.session.scalar(
        select(Reward.id).where(Reward.shop_id == counter.id).order_by(Reward.points).limit(1)
    )
    rng = random.Random(seed)
    today = today or clock.now().astimezone(rules.BANGKOK).date()
    residents = _residents(homes, rng)
    events = []
    # The past whole months, then this month up to yesterday (participation counts the last
    # 30 days; public figures publish whole months only).
    for n in range(MONTHS, -1, -1):
        month = _months_back(today.replace(day=1), n)
        days = (_months_back(month, -1) - month).days if n else today.day - 1
        if days < 3:
            continue
        for claims, shop in residents:
            for day in rng.sample(range(days), rng.randint(2, 5)):
                at = rules.bangkok_midnight(month + timedelta(days=day))
                at += timedelta(hours=rng.randint(8, 15), minutes=rng.randint(0, 59))
                events.append((at, "scan", claims, shop, "bag"))
                if rng.random() < 0.6:
                    events.append((at + timedelta(hours=2), "scan", claims, shop, "straw"))
            if n and rng.random() < 0.5:
                at = rules.bangkok_midnight(month + timedelta(days=days - 2))
                events.append(
                    (at + timedelta(hours=rng.randint(9, 16)), "redeem", claims, None, "")
                )
    scans = 0
    for at, kind, claims, shop, action in sorted(events, key=lambda e: e[0]):
        with _clock_at(at):
            if kind == "scan":
                earning.earn_for_scan(
                    claims, key=str(uuid.uuid4()), code=shop.qr_token, action=action
                )
                scans += 1
            elif reward_id is not None and staff_id is not None:
                try:
                    held = redemptions.request_redemption(
                        claims, key=str(uuid.uuid4()), reward_id=reward_id
                    )
                except InsufficientPoints:
                    continue  # not enough points yet this month: as in life
                redemptions.confirm_redemption(counter.id, staff_id, held.redemption.id)
    _participation(homes, today)
    return scans


def _participation(homes: list[Shop], today: date) -> None:
    """Households and targets of the home sub-districts; the first one has been declared."""
    for n, shop in enumerate(homes):
        households = 20 if n == 0 else 60
        data = {"tambon_code": shop.tambon_code, "households": households, "target_percent": 25}
        participation.set_target(PROVINCE_WIDE, data, actor_id=None)
    declared = {
        "area_code": homes[0].tambon_code,
        "title": "ตำบลลดพลาสติก",
        "declared_on": today,
        "note": "ตัวอย่าง: ครัวเรือนร่วมโครงการเกินเป้าหมาย (ข้อมูลสาธิต)",
    }
    if participation.area_reached(db.session.get(Area, homes[0].tambon_code)):
        participation.record_declaration(PROVINCE_WIDE, declared, actor_id=None)
    db.session.commit()


def _residents(homes: list[Shop], rng: random.Random) -> list:
    residents = []
    for n in range(len(homes) * RESIDENTS_PER_SHOP):
        shop = homes[n // RESIDENTS_PER_SHOP]
        signed_in = accounts.register_resident(
            password=PASSWORD,
            phone=f"{PHONE_PREFIX}{n:04d}",
            display_name=f"{rng.choice(FIRST_NAMES)} (ตัวอย่าง {n + 1})",
        )
        user = db.session.get(User, accounts.read_access_token(signed_in.access_token).user_id)
        assert user is not None and user.role == Role.RESIDENT
        user.home_tambon_code = shop.tambon_code
        user.home_village_no = rng.randint(1, 12)
        db.session.commit()
        residents.append((accounts.read_access_token(signed_in.access_token), shop))
    return residents


def _months_back(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 - n
    return date(index // 12, index % 12 + 1, 1)
