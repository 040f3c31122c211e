"""Model-based test of points expiry: random credits (with random expiry settings), spends,
refunds, adjustments, clock jumps and expiry runs, checked against a plain-Python model.

The model restates THE EXPIRY RULE without SQL: every credit is a lot with its own expiry date
(computed here from the months in force); all other entries are consumption, counted by the
model itself (spends and expiries add, refunds take away), and consumption takes lots in the
order (expires_at, nulls last; then credit order). After every step: the ledger verifies, each
balance is the model's, no lot is consumed beyond its points (no point spent twice), and
`expiring` lists what the model says. After an expiry run the balance is
min(balance before, the unspent points of the lots not yet past their date).
"""

import itertools
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace as Row
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, note, settings, stateful
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from sqlalchemy import bindparam, select

from ecolife import clock
from ecolife.errors import InsufficientPoints, NotPending
from ecolife.extensions import db
from ecolife.models import AuthSession, Role, User
from ecolife.services import expiry, ledger, redemptions
from ecolife.services import settings as limits_service
from ecolife.services.accounts import TokenClaims
from ecolife.services.expiry import Expiring

EXAMPLES = 200 if os.environ.get("CI") == "true" else 40
BANGKOK = ZoneInfo("Asia/Bangkok")
EPOCH = datetime(2030, 1, 1, tzinfo=UTC)
MONTHS = st.sampled_from([None, 1, 1, 2, 3])
PRICES = (5, 12, 25)
WHO, PICK = st.integers(0, 1), st.integers(0, 63)
JUMPS = st.sampled_from(["month_edge", "days", "minutes"])
_keys, _phones = itertools.count(1), itertools.count(1)
# A resident's balance and what GET /me lists as expiring, in one statement.
READ_BACK = select(User.balance, expiry.expiring_column(bindparam("user_id")).label("expiring"))
READ_BACK = READ_BACK.where(User.id == bindparam("user_id"))


def month_end_after(moment: datetime, months: int) -> datetime:
    """The first moment after the Bangkok month `months` after the one of `moment`."""
    local = moment.astimezone(BANGKOK)
    year, month = divmod(local.month - 1 + months + 1, 12)
    return datetime(local.year + year, month + 1, 1, tzinfo=BANGKOK)


@dataclass
class Account:
    user_id: int
    claims: TokenClaims
    lots: list = field(default_factory=list)  # [points, expires_at | None] in credit order
    consumed: int = 0  # spends and expiries less refunds
    dirty: bool = True  # may have changed since it was last read back

    def ordered(self) -> list:
        far = datetime.max.replace(tzinfo=UTC)
        keyed = sorted(enumerate(self.lots), key=lambda it: (it[1][1] or far, it[0]))
        return [lot for _, lot in keyed]

    def unspent(self) -> list[tuple[int, datetime | None]]:
        """Each lot's unspent points, in spending order: consumption takes the first ones."""
        left, out = self.consumed, []
        for points, expires_at in self.ordered():
            taken = min(points, left)
            left -= taken
            out.append((points - taken, expires_at))
        assert left == 0, "consumed more points than were ever credited"
        return out

    @property
    def balance(self) -> int:
        return sum(points for points, _ in self.lots) - self.consumed

    def expiring(self) -> list[Expiring]:
        dates: dict[datetime, int] = {}
        for points, expires_at in self.unspent():
            if expires_at is not None and points > 0:
                dates[expires_at] = dates.get(expires_at, 0) + points
        return [Expiring(points, when) for when, points in sorted(dates.items())]

    def due(self, now: datetime) -> int:
        return sum(p for p, when in self.unspent() if when is not None and when <= now)


def new_account() -> Account:
    """Add a resident with a session (redemptions check it) and commit."""
    user = User(
        phone=f"+669{next(_phones):08d}",
        display_name="ผู้อยู่อาศัย",
        locale="th",
        role=Role.RESIDENT,
        password_hash="-",
    )
    session = AuthSession(user=user, expires_at=clock.now() + timedelta(days=365))
    db.session.add_all([user, session])
    db.session.commit()
    return Account(user.id, TokenClaims(user.id, session.id, Role.RESIDENT))


class ExpiryMachine(RuleBasedStateMachine):
    def __init__(self, env):
        super().__init__()
        self.env = env
        self.holds: list[Row] = []

    @initialize(minute=st.integers(0, 60 * 24 * 60))
    def build(self, minute):
        """Two residents of this example's own (rows written directly, in one transaction:
        sign-up is tested elsewhere and would cost most of the run)."""
        self.env.now = EPOCH + timedelta(minutes=minute)
        self.accounts = self.call(lambda: [new_account() for _ in range(2)])

    # -- helpers -----------------------------------------------------------------------------

    def set_months(self, months: int | None) -> None:
        """Change the expiry setting (remembered across examples: it is one row)."""
        if months != self.env.months:
            self.call(lambda: limits_service.update_limits({"points_expire_after_months": months}))
            self.env.months = months

    @property
    def now(self) -> datetime:
        return self.env.now

    def call(self, use_case, *touched: Account):
        """Run a use case as the app does (its own session); a domain error rolls back.
        Read back afterwards the accounts it may have changed (all, unless named)."""
        for account in touched or getattr(self, "accounts", ()):
            account.dirty = True
        with self.env.app.test_request_context():
            try:
                return use_case()
            except (InsufficientPoints, NotPending) as error:
                db.session.rollback()
                return error
            finally:
                db.session.remove()

    def settle_overdue(self, account: Account | None = None) -> None:
        """Holds past their time were refunded by the service just called."""
        for hold in self.holds:
            mine = account is None or hold.account is account
            if mine and hold.pending and self.now >= hold.expires_at:
                hold.pending = False
                hold.account.consumed -= hold.points

    # -- steps -------------------------------------------------------------------------------

    @rule(who=WHO, points=st.integers(1, 30), months=MONTHS)
    def credit(self, who, points, months):
        """Points are credited with the expiry setting in force (an admin may change it)."""
        account = self.accounts[who]
        self.set_months(months)
        note(f"credit {points} to {who}, expiring after {months} months")
        credit = ledger.adjust_balance
        self.call(lambda: credit(account.user_id, points, reason="m", actor_id=None), account)
        expires_at = None if months is None else month_end_after(self.now, months)
        account.lots.append([points, expires_at])

    @rule(who=WHO, points=st.integers(1, 30))
    def take_away(self, who, points):
        """An admin's negative adjustment: consumption, refused below zero."""
        account = self.accounts[who]
        done = self.call(
            lambda: ledger.adjust_balance(account.user_id, -points, reason="m", actor_id=None),
            account,
        )
        if account.balance >= points:
            assert not isinstance(done, Exception)
            account.consumed += points
        else:
            assert isinstance(done, InsufficientPoints)

    @rule(who=WHO, pick=st.integers(0, len(PRICES) - 1))
    def spend(self, who, pick):
        """A redemption holds the reward's points (the resident's own overdue holds first
        come back, then their points past their date are written off)."""
        account, price = self.accounts[who], PRICES[pick]
        reward_id = self.env.rewards[pick]
        key = f"expiry-model-{next(_keys)}"
        result = self.call(
            lambda: redemptions.request_redemption(account.claims, key=key, reward_id=reward_id),
            account,
        )
        self.settle_overdue(account)
        account.consumed += account.due(self.now)  # never spent, even before the job runs
        if account.balance < price:
            assert isinstance(result, InsufficientPoints), result
            return
        assert result.balance == account.balance - price
        account.consumed += price
        expires_at = self.now + timedelta(seconds=900)
        hold = Row(id=result.redemption.id, account=account, points=price, pending=True)
        hold.expires_at = expires_at
        self.holds.append(hold)

    @precondition(lambda self: self.holds)
    @rule(pick=PICK)
    def cancel(self, pick):
        """The resident calls a redemption off: a refund, which gives the points back with
        their first dates."""
        hold = self.holds[pick % len(self.holds)]
        owner = hold.account
        result = self.call(lambda: redemptions.cancel_redemption(owner.user_id, hold.id), owner)
        if hold.pending and self.now < hold.expires_at:
            assert not isinstance(result, Exception), result
            hold.pending = False
            hold.account.consumed -= hold.points
        else:
            assert isinstance(result, NotPending)
            self.settle_overdue(hold.account)

    @rule(jump=JUMPS, amount=st.integers(0, 90), expire=st.booleans())
    def time_passes(self, jump, amount, expire):
        """The clock moves (often to just before or after a month's end); overdue holds come
        back, and sometimes the expiry job runs."""
        if jump == "month_edge":
            local = self.now.astimezone(BANGKOK)
            edge = month_end_after(local, amount % 3)
            self.env.now = max(self.now, edge + timedelta(seconds=amount % 3 - 1))
        elif jump == "days":
            self.env.now += timedelta(days=amount)
        else:
            self.env.now += timedelta(minutes=amount)
        self.call(redemptions.expire_overdue)
        self.settle_overdue()
        if expire:
            self.run_expiry()

    @rule()
    def run_expiry(self):
        """The job expires exactly the unspent points past their date, once."""
        before = [account.balance for account in self.accounts]
        dues = [account.due(self.now) for account in self.accounts]
        expired = self.call(lambda: expiry.expire_points(self.now))
        assert expired >= sum(1 for due in dues if due > 0)
        for account, was, due in zip(self.accounts, before, dues, strict=True):
            unexpired = sum(p for p, when in account.unspent() if when is None or when > self.now)
            account.consumed += due
            assert account.balance == min(was, unexpired)
        again = self.call(lambda: expiry.expire_points(self.now))
        assert again == 0, "a second run expired something"

    # -- after every step --------------------------------------------------------------------

    @invariant()
    def agrees_with_the_model(self):
        with self.env.app.test_request_context():
            try:
                for account in (a for a in self.accounts if a.dirty):
                    account.dirty = False
                    seen = db.session.execute(READ_BACK, {"user_id": account.user_id}).one()
                    assert seen.balance == account.balance
                    assert all(points >= 0 for points, _ in account.unspent())
                    assert expiry.as_expiring(seen.expiring) == account.expiring()
                assert ledger.verify_ledger() == []
            finally:
                db.session.remove()


def test_expiry_agrees_with_a_plain_model(app, make_resident, make_shop, make_reward, monkeypatch):
    """Run the machine; examples share the database, each with residents of its own."""
    env = Row(app=app, now=None, months=None)
    monkeypatch.setattr(clock, "now", lambda: env.now or datetime.now(UTC))
    shop_id, _ = make_shop()
    env.rewards = [make_reward(shop_id, points=price) for price in PRICES]
    stateful.run_state_machine_as_test(
        lambda: ExpiryMachine(env),
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=15,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
