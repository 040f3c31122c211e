"""Factory fixtures that build test data through the services, so it obeys the same rules."""

import itertools
import uuid
from datetime import date

import pytest

from ecolife.extensions import db
from ecolife.models import Declaration, Shop, User
from ecolife.services import accounts, areas, earning, ledger, privacy, rewards, shops

_numbers = itertools.count(1)
PASSWORD = "correct-horse-1"


def bearer(signed_in: accounts.SignedIn) -> dict[str, str]:
    """Authorization header for a signed-in user."""
    return {"Authorization": f"Bearer {signed_in.access_token}"}


@pytest.fixture
def make_resident(app):
    """Return a callable that registers a resident and returns their signed-in session; like
    the app's sign-up, they accept the privacy notice in force (unless `accept_notice=False`)."""

    def make(
        *,
        phone: str | None = None,
        email: str | None = None,
        display_name: str = "ผู้อยู่อาศัย",
        accept_notice: bool = True,
    ) -> accounts.SignedIn:
        with app.test_request_context():
            if phone is None and email is None:
                phone = f"08{next(_numbers):08d}"[:10]
                phone = "+66" + phone[1:]
            signed_in = accounts.register_resident(
                password=PASSWORD,
                display_name=display_name,
                phone=phone,
                email=email,
                privacy_notice_version=privacy.current_notice().version if accept_notice else None,
            )
            _detach(signed_in.user)
            return signed_in

    return make


@pytest.fixture
def make_admin(app):
    """Return a callable that creates an admin (scoped to `area`, a district or sub-district
    code, if given) and signs them in."""

    def make(email: str | None = None, *, area: str | None = None) -> accounts.SignedIn:
        email = email or f"admin{next(_numbers)}@ecolife.test"
        with app.test_request_context():
            accounts.create_admin(email=email, password=PASSWORD, area_code=area)
            signed_in = accounts.log_in(email, PASSWORD)
            _detach(signed_in.user)
            return signed_in

    return make


@pytest.fixture
def make_shop(app):
    """Return a callable that adds a shop with an owner who has accepted the invite."""

    def make(
        name: str = "ร้านทดสอบ",
        *,
        district: str = "5101",
        tambon: str | None = None,
        active: bool = True,
    ) -> tuple[int, accounts.SignedIn]:
        """`tambon` defaults to the first sub-district of `district`."""
        n = next(_numbers)
        with app.test_request_context():
            if tambon is None:
                tambon = areas.list_areas(shops.resolve_district(district).code)[0].code
            new_shop = shops.create_shop(
                {
                    "name": f"{name} {n}",
                    "name_en": f"Test shop {n}",
                    "district": district,
                    "tambon_code": tambon,
                },
                {"display_name": f"เจ้าของ {n}", "email": f"owner{n}@ecolife.test"},
            )
            shop_id = new_shop.shop.id
            token = new_shop.invite_url.rsplit("/", 1)[1]
            staff = accounts.accept_invite(token, PASSWORD)
            if not active:
                shops.update_shop(shop_id, {"active": False})
            _detach(staff.user)
            return shop_id, staff

    return make


@pytest.fixture
def make_card_holder(app, make_resident, give_points):
    """Return a callable giving a new resident a member card (and a PIN unless `pin` is
    None, and `points`); it returns (signed-in resident, card code)."""

    def make(*, points: int = 0, pin: str | None = "2580", display_name: str = "ยายแก้ว ใจดี"):
        from ecolife.services import cards

        resident = make_resident(display_name=display_name)
        with app.app_context():
            user = db.session.get(User, resident.user.id)
            card = cards.ensure_card(user)
            if pin is not None:
                cards.set_pin(user, pin)
            db.session.commit()
            db.session.remove()
        if points:
            give_points(resident.user.id, points)
        return resident, card

    return make


@pytest.fixture
def shop_token(app):
    """Return a callable giving a shop's current poster token."""

    def token(shop_id: int) -> str:
        with app.app_context():
            value = db.session.get(Shop, shop_id).qr_token
            db.session.remove()
            return value

    return token


@pytest.fixture
def make_code(app):
    """Return a callable that issues a one-time code as the given shop staff member."""

    def make(staff: accounts.SignedIn, action: str = "bag", quantity: int = 1):
        with app.test_request_context():
            user = db.session.get(User, staff.user.id)
            code = earning.issue_code(user, action, quantity)
            result = (code.id, code.token)
            db.session.remove()
            return result

    return make


def scan(client, resident: accounts.SignedIn, code: str, *, key: str | None = None, **body):
    """POST /api/v1/scans as a resident with a fresh (or given) Idempotency-Key."""
    headers = {**bearer(resident), "Idempotency-Key": key or uuid.uuid4().hex}
    return client.post("/api/v1/scans", json={"code": code, **body}, headers=headers)


def _detach(user: User) -> None:
    # Keep the loaded attributes (id, role …) usable after the session is gone.
    db.session.refresh(user)
    db.session.expunge(user)
    db.session.remove()


@pytest.fixture
def make_reward(app):
    """Return a callable that adds a reward to a shop and returns its id."""

    def make(shop_id: int, *, points: int = 20, **fields) -> int:
        with app.test_request_context():
            reward = rewards.create_reward(
                shop_id, {"name_th": "ถุงผ้า", "name_en": "Tote bag", "points": points, **fields}
            )
            reward_id = reward.id
            db.session.remove()
            return reward_id

    return make


@pytest.fixture
def give_points(app):
    """Return a callable that credits a user through a ledger adjustment."""

    def give(user_id: int, points: int) -> None:
        with app.app_context():
            ledger.adjust_balance(user_id, points, reason="test credit", actor_id=None)
            db.session.remove()

    return give


def add_declaration(
    app, area_code: str, *, title: str = "ตำบลลดพลาสติก", declared_on: date = date(2026, 11, 1)
) -> int:
    """Store a declaration as if recorded earlier (once its target was reached); its id."""
    with app.app_context():
        declaration = Declaration(area_code=area_code, title=title, declared_on=declared_on)
        db.session.add(declaration)
        db.session.commit()
        declaration_id = declaration.id
        db.session.remove()
        return declaration_id


def redeem(client, resident: accounts.SignedIn, reward_id: int, *, key: str | None = None):
    """POST /api/v1/redemptions as a resident with a fresh (or given) Idempotency-Key."""
    headers = {**bearer(resident), "Idempotency-Key": key or uuid.uuid4().hex}
    return client.post("/api/v1/redemptions", json={"reward_id": reward_id}, headers=headers)


def add_campaign(app, actor_id: int, *, area: str | None = None, **given) -> int:
    """Create a campaign running for a day (+2 points a scan) as an admin of `area` (None:
    province-wide), through the service; its id."""
    from datetime import timedelta

    from ecolife import clock
    from ecolife.services import campaigns
    from ecolife.services.scope import AdminScope

    with app.test_request_context():
        now = clock.now()
        data = {"name_th": "แคมเปญทดสอบ", "bonus_points": 2, **given}
        data.setdefault("starts_at", now - timedelta(minutes=1))
        data.setdefault("ends_at", now + timedelta(days=1))
        campaign = campaigns.create_campaign(data, actor_id=actor_id, scope=AdminScope(area))
        campaign_id = campaign.id
        db.session.remove()
        return campaign_id
