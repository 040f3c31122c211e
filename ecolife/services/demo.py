"""Demo data: 13 partner shops in Lamphun, one account of each role and a card-only resident
(idempotent)."""

from sqlalchemy import select

from ecolife.extensions import db
from ecolife.models import Reward, Role, Shop, User
from ecolife.security import hash_password, random_token
from ecolife.services import cards

DEMO_PASSWORDS = {
    "admin": "ecolife-admin-demo",
    "shop": "ecolife-shop-demo",
    "resident": "ecolife-demo",
}
# The member cards' PIN (the demo resident's card and the card-only resident's).
DEMO_CARD_PIN = "2580"
CARD_ONLY_RESIDENT = "ยายแก้ว ใจดี"
DEMO_LOGINS = (
    ("admin", "admin@ecolife.local", DEMO_PASSWORDS["admin"]),
    # Scoped to one district: sees the shop in ลี้ (510401) only.
    ("admin 5104", "admin-li@ecolife.local", DEMO_PASSWORDS["admin"]),
    ("shop", "shop1@ecolife.local", DEMO_PASSWORDS["shop"]),
    ("resident", "0812345678", DEMO_PASSWORDS["resident"]),
)

# name, English name, sub-district (ตำบล) code, its Thai name, lat, lon
DEMO_SHOPS = (
    ("ร้านกาแฟริมกวง", "Rim Kuang Coffee", "510101", "ในเมือง", 18.5776, 99.0100),
    ("ตลาดสดหนองดอก", "Nong Dok Fresh Market", "510101", "ในเมือง", 18.5749, 99.0069),
    ("ร้านข้าวซอยหริภุญชัย", "Hariphunchai Khao Soi", "510101", "ในเมือง", 18.5772, 99.0087),
    ("ร้านชำป้าแก้ว", "Pa Kaew Grocery", "510107", "ต้นธง", 18.5612, 99.0205),
    ("ร้านน้ำปั่นแม่ทา", "Mae Tha Smoothies", "510201", "ทาปลาดุก", 18.4605, 99.1310),
    ("ร้านลำไยบ้านโฮ่ง", "Ban Hong Longan Shop", "510301", "บ้านโฮ่ง", 18.3120, 98.8150),
    ("ร้านอาหารตามสั่งลี้", "Li Made-to-order Kitchen", "510401", "ลี้", 17.7990, 98.9520),
    ("ร้านผ้าฝ้ายทุ่งหัวช้าง", "Thung Hua Chang Cotton", "510501", "ทุ่งหัวช้าง", 17.9830, 99.0680),
    ("ร้านผ้าทอป่าซาง", "Pa Sang Weaving", "510602", "ป่าซาง", 18.5230, 98.9390),
    ("คาเฟ่บ้านธิ", "Ban Thi Cafe", "510701", "บ้านธิ", 18.6630, 99.1580),
    (
        "ร้านก๋วยเตี๋ยวเวียงหนองล่อง",
        "Wiang Nong Long Noodles",
        "510803",
        "วังผาง",
        18.4200,
        98.7500,
    ),
    ("ร้านขนมจีนน้ำเงี้ยวป้าศรี", "Pa Si Khanom Jeen", "510102", "เหมืองง่า", 18.5890, 99.0250),
    (
        "ร้านปั้มน้ำมันชุมชนอุโมงค์",
        "Umong Community Pump Shop",
        "510103",
        "อุโมงค์",
        18.6340,
        98.9960,
    ),
)


# Thai name, English name, points, stock (None = unlimited), for every demo shop.
DEMO_REWARDS = (
    ("ถุงผ้าอีโคไลฟ์ลำพูน", "ECO LIFE Lamphun tote bag", 50, 30),
    ("ส่วนลด 10 บาท", "10 baht off", 20, None),
)


def seed_demo_data() -> int:
    """Add whatever part of the demo data is missing; return how many shops were new."""
    existing = set(db.session.scalars(select(Shop.name)))
    new_shops = [
        Shop(
            name=name,
            name_en=name_en,
            district_code=tambon[:4],
            tambon_code=tambon,
            subdistrict=sub,
            lat=lat,
            lon=lon,
            qr_token=random_token(),
        )
        for name, name_en, tambon, sub, lat, lon in DEMO_SHOPS
        if name not in existing
    ]
    db.session.add_all(new_shops)
    db.session.flush()
    first_shop = db.session.scalar(select(Shop).where(Shop.name == DEMO_SHOPS[0][0]))
    _ensure_user(
        email="admin@ecolife.local",
        display_name="ผู้ดูแลจังหวัดลำพูน",
        role=Role.ADMIN,
        password=DEMO_PASSWORDS["admin"],
    )
    _ensure_user(
        email="admin-li@ecolife.local",
        display_name="ผู้ดูแลอำเภอลี้",
        role=Role.ADMIN,
        password=DEMO_PASSWORDS["admin"],
        admin_area_code="5104",
    )
    _ensure_user(
        email="shop1@ecolife.local",
        display_name="เจ้าของร้านกาแฟริมกวง",
        role=Role.SHOP_STAFF,
        password=DEMO_PASSWORDS["shop"],
        shop_id=first_shop.id,
    )
    _ensure_user(
        phone="+66812345678",
        display_name="สมใจ ใจดี",
        role=Role.RESIDENT,
        password=DEMO_PASSWORDS["resident"],
    )
    _ensure_card_holders()
    for shop in new_shops:
        for name_th, name_en, points, stock in DEMO_REWARDS:
            db.session.add(
                Reward(shop=shop, name_th=name_th, name_en=name_en, points=points, stock=stock)
            )
    db.session.commit()
    return len(new_shops)


def _ensure_card_holders() -> None:
    """The demo resident's member card, and a card-only resident (no phone, no e-mail), both
    with the PIN DEMO_CARD_PIN."""
    resident = db.session.scalar(select(User).where(User.phone == "+66812345678"))
    card_only = db.session.scalar(
        select(User).where(
            User.display_name == CARD_ONLY_RESIDENT,
            User.role == Role.RESIDENT,
            User.phone.is_(None),
            User.email.is_(None),
        )
    )
    if card_only is None:
        card_only = User(
            display_name=CARD_ONLY_RESIDENT, role=Role.RESIDENT, home_tambon_code="510101"
        )
        db.session.add(card_only)
        db.session.flush()
    for holder in (resident, card_only):
        cards.ensure_card(holder)
        if holder.card_pin_hash is None:
            cards.set_pin(holder, DEMO_CARD_PIN)


def demo_cards() -> list[tuple[str, str]]:
    """The demo member cards: (holder's name, card code as printed)."""
    holders = db.session.scalars(
        select(User)
        .where(
            (User.phone == "+66812345678")
            | ((User.display_name == CARD_ONLY_RESIDENT) & User.phone.is_(None))
        )
        .where(User.card_code.isnot(None))
        .order_by(User.id)
    )
    return [(user.display_name, cards.format_card_code(user.card_code)) for user in holders]


def _ensure_user(
    *,
    role: Role,
    display_name: str,
    password: str,
    email: str | None = None,
    phone: str | None = None,
    shop_id: int | None = None,
    admin_area_code: str | None = None,
) -> None:
    column, value = (User.email, email) if email else (User.phone, phone)
    if db.session.scalar(select(User.id).where(column == value)) is None:
        db.session.add(
            User(
                email=email,
                phone=phone,
                display_name=display_name,
                role=role,
                shop_id=shop_id,
                admin_area_code=admin_area_code,
                password_hash=hash_password(password),
            )
        )


# A province-wide campaign for this Bangkok month: double points within a budget.
DEMO_CAMPAIGN = ("ลำพูนปลอดถุง แต้ม x2 ทั้งเดือน", "Bag-free Lamphun: double points all month")
DEMO_CAMPAIGN_BUDGET = 5000


def seed_demo_campaign() -> bool:
    """Add the demo campaign running this month, unless one of that name runs; say if new."""
    from datetime import date

    from ecolife import clock, rules
    from ecolife.models import Campaign

    now = clock.now()
    if db.session.scalar(
        select(Campaign.id).where(Campaign.name_th == DEMO_CAMPAIGN[0], Campaign.ends_at > now)
    ):
        return False
    today = now.astimezone(rules.BANGKOK).date()
    month = today.year * 12 + today.month  # the next month's first day, as a month index
    admin_id = db.session.scalar(select(User.id).where(User.email == "admin@ecolife.local"))
    db.session.add(
        Campaign(
            name_th=DEMO_CAMPAIGN[0],
            name_en=DEMO_CAMPAIGN[1],
            starts_at=rules.bangkok_midnight(today.replace(day=1)),
            ends_at=rules.bangkok_midnight(date(month // 12, month % 12 + 1, 1)),
            multiplier=2,
            budget_points=DEMO_CAMPAIGN_BUDGET,
            created_by_id=admin_id,
            created_at=now,
        )
    )
    db.session.commit()
    return True
