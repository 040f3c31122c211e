"""Model-based test: random sequences of earning and redeeming, checked against a plain model.

A hypothesis state machine drives the JSON API (and, where there is no endpoint, the service
the admin console calls) with poster scans, one-time codes, keyed retries, redemptions,
cancels, confirms, expiries, adjustments, suspensions and rule changes, on a fake clock that
only moves forward. The model restates API.md and DESIGN.md in plain Python. After every step
each answer agrees with it, whatever the step may have changed reads back as it says, and
verify-ledger is clean.
"""

import os
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from types import SimpleNamespace as Row
from zoneinfo import ZoneInfo

from argon2 import PasswordHasher
from hypothesis import HealthCheck, note, settings, stateful
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from ecolife import clock, security
from ecolife.errors import InsufficientPoints
from ecolife.extensions import db
from ecolife.services import ledger, redemptions, residents
from tests.factories import bearer

EXAMPLES = 200 if os.environ.get("CI") == "true" else 40
BANGKOK = ZoneInfo("Asia/Bangkok")
EPOCH = datetime(2030, 1, 1, tzinfo=UTC)  # every example starts this day, at a drawn minute
CHOICES = {  # limits examples start with and admins switch to (API.md's defaults among them)
    "scan_cooldown_seconds": (1800, 60, 0),
    "daily_scans_per_shop": (1, 3, 2),
    "daily_scans": (10, 2, 4),
    "code_ttl_seconds": (600, 60),
    "redemption_ttl_seconds": (900, 60),
}
NEW_LIMITS = [(name, value) for name, values in CHOICES.items() for value in values]
POINTS = {"bag": 5, "straw": 2, "foam_box": 5}
STATUS = {"account_suspended": 403, "code_expired": 410, "idempotency_key_reused": 422}
STATUS |= dict.fromkeys(("cooldown_active", "daily_cap_reached"), 429)
STATUS |= dict.fromkeys(("code_used", "insufficient_points", "out_of_stock", "not_pending"), 409)
DELTAS = (5, -5, 1, -1, 20, -20, 40, -40)
ADMIN = ("adjust", "suspend", "reinstate", "limit", "points")
WAITS = st.sampled_from([1, 599, 600, 601, 899, 900, 1799, 1800, 3600]) | st.integers(1, 21600)
SWEEP = st.sampled_from([False, False, True])  # how often the expiry job runs when time moves
WHO, SHOP, PICK = st.integers(0, 1), st.integers(0, 1), st.integers(0, 63)
ACTION = st.sampled_from(sorted(POINTS))
# Hypothesis favours rules with fewer arguments: one argument makes poster scans the commonest.
POSTER_SCANS = st.builds(
    Row, who=WHO, shop=SHOP, action=st.none() | ACTION, quantity=st.none() | st.integers(1, 5)
)


@dataclass
class Resident:
    session: object  # tests.factories' signed-in user
    balance: int = 0
    suspended: bool = False
    scans: list = field(default_factory=list)  # (shop, when) of every credited scan
    dirty: bool = True  # may have changed since it was last read back


@dataclass
class Hold:
    id: int
    resident: int
    reward: Row
    expires_at: datetime
    status: str = "pending"
    dirty: bool = True


class PointsMachine(RuleBasedStateMachine):
    """Each example signs up residents, shops and rewards of its own: examples never meet."""

    def __init__(self, env):
        super().__init__()
        self.env, self.client, self.serial = env, env.client, 0
        self.codes, self.keyed, self.holds = [], [], []

    @initialize(
        minute=st.integers(0, 24 * 60 - 1),
        limits=st.fixed_dictionaries({k: st.sampled_from(v) for k, v in CHOICES.items()}),
        balances=st.lists(st.integers(20, 80), min_size=2, max_size=2),
        prices=st.lists(st.integers(5, 40), min_size=3, max_size=3),
        stocks=st.lists(st.integers(1, 3) | st.just(0) | st.none(), min_size=3, max_size=3),
    )
    def build(self, minute, limits, balances, prices, stocks):
        """Sign everyone up on the real clock (access tokens are checked against it). Tight
        limits in many examples, so that cooldowns, caps and expiries are met often."""
        env, self.points = self.env, dict(POINTS)
        self.limits = {"max_quantity": 5, "card_credits_per_shop_per_day": 30}
        self.limits["points_expire_after_months"] = None  # points never expire here
        env.now = None
        self.residents = [Resident(env.make_resident()) for _ in balances]
        self.shops = [env.make_shop() for _ in range(2)]  # (id, staff)
        self.posters = [env.shop_token(shop_id) for shop_id, _ in self.shops]
        self.rewards = []
        for s, p, n in zip((0, 0, 1), prices, stocks, strict=True):  # two at shop 0, one at 1
            reward_id = env.make_reward(self.shops[s][0], points=p, stock=n)
            self.rewards.append(Row(id=reward_id, shop=s, points=p, stock=n, dirty=True))
        self.set_limits(limits)
        if env.points_changed:  # an earlier example changed what actions earn: undo that
            for action, points in POINTS.items():
                self.set_points(action, points)
        env.now, env.points_changed = EPOCH + timedelta(minutes=minute), False
        for who, points in enumerate(balances):
            self.adjust(who, points)

    # -- talking to the app ----------------------------------------------------------------

    def keyed_post(self, who, path, body, key=None):
        """POST with an Idempotency-Key (a fresh one unless given); keep the first answer."""
        self.serial, self.residents[who].dirty = self.serial + 1, True
        sent = Row(who=who, path=path, key=key or f"key-{self.serial}", body=body)
        headers = {**bearer(self.residents[who].session), "Idempotency-Key": sent.key}
        response = self.client.post(path, json=body, headers=headers)
        sent.status, sent.answer = response.status_code, response.get_json()
        if key is None:
            self.keyed.append(sent)
        return response, sent

    @staticmethod
    def expect(response, status):
        assert response.status_code == status, response.get_json()
        return response.get_json()

    @staticmethod
    def refused(response, allowed):
        """Where several rules refuse at once, API.md does not say which one is named."""
        body = response.get_json()
        assert body.get("code") in allowed, (response.status_code, body, allowed)
        assert response.status_code == STATUS[body["code"]], body
        return body

    def in_service(self, call):
        """Run a use case that has no JSON endpoint, as the admin console does."""
        with self.env.app.test_request_context():
            try:
                return call()
            finally:
                db.session.remove()

    def staff(self, shop):
        return bearer(self.shops[shop][1])

    # -- the model ---------------------------------------------------------------------------

    @property
    def now(self):
        return self.env.now

    def seconds(self, limit):
        return timedelta(seconds=self.limits[limit])

    def today_starts(self, days=0):
        """The Bangkok midnight starting today (or `days` later): caps count Bangkok days."""
        local = self.now.astimezone(BANGKOK).date() + timedelta(days=days)
        return datetime.combine(local, time(0), tzinfo=BANGKOK)

    def overdue(self, hold):
        return hold.status == "pending" and self.now >= hold.expires_at

    def refund(self, hold, status):
        """A cancel or an expiry gives back the points and the item."""
        hold.status = status
        hold.dirty = hold.reward.dirty = self.residents[hold.resident].dirty = True
        self.residents[hold.resident].balance += hold.reward.points
        if hold.reward.stock is not None:
            hold.reward.stock += 1

    def settle(self, hold):
        """An overdue hold reads as expired at once; its points and item come back when the
        expiry job runs, when it is cancelled or confirmed, or when its owner redeems again."""
        if self.overdue(hold):
            self.refund(hold, "expired")

    def cooldown_left(self, resident, shop):
        here = [when for s, when in resident.scans if s == shop]
        ends = max(here) + self.seconds("scan_cooldown_seconds") if here else self.now
        return max(0, (ends - self.now).total_seconds())

    def scan_refusals(self, resident, shop, code):
        """Every rule that refuses this scan now (none: it is credited)."""
        found = {"account_suspended"} if resident.suspended else set()
        if code is not None and code.used:
            found.add("code_used")
        if code is not None and self.now >= code.expires_at:
            found.add("code_expired")
        if code is None and self.cooldown_left(resident, shop):
            found.add("cooldown_active")  # staff hand a one-time code over in person
        today = [s for s, when in resident.scans if when >= self.today_starts()]
        if len(today) >= self.limits["daily_scans"]:
            found.add("daily_cap_reached")
        if today.count(shop) >= self.limits["daily_scans_per_shop"]:
            found.add("daily_cap_reached")
        return found

    # -- earning -----------------------------------------------------------------------------

    def scan(self, who, shop, body, code, action, quantity):
        resident = self.residents[who]
        refusals = self.scan_refusals(resident, shop, code)
        response, sent = self.keyed_post(who, "/api/v1/scans", body)
        if refusals:
            if self.refused(response, refusals)["code"] == "cooldown_active":
                assert sent.answer["retry_after"] == self.cooldown_left(resident, shop)
            return
        points = self.points[action] * quantity
        resident.balance += points
        resident.scans.append((shop, self.now))
        if code is not None:
            code.used = True
        made = self.expect(response, 201)["scan"]
        assert (made["shop"]["id"], made["action"]) == (self.shops[shop][0], action)
        assert (made["quantity"], made["points"]) == (quantity, points)
        assert sent.answer["balance"] == resident.balance

    @rule(poster=POSTER_SCANS)
    def scan_poster(self, poster):
        """A resident scans a shop's poster; action and quantity may be left to defaults."""
        body = {"code": self.posters[poster.shop]}
        body |= {k: v for k, v in (("action", poster.action), ("quantity", poster.quantity)) if v}
        self.scan(poster.who, poster.shop, body, None, poster.action or "bag", poster.quantity or 1)

    @rule(shop=SHOP, action=ACTION, quantity=st.integers(1, 3))
    def issue_code(self, shop, action, quantity):
        body, staff = {"action": action, "quantity": quantity}, self.staff(shop)
        made = self.expect(self.client.post("/api/v1/shop/codes", json=body, headers=staff), 201)
        expires_at = self.now + self.seconds("code_ttl_seconds")
        assert datetime.fromisoformat(made["expires_at"]) == expires_at
        code = Row(token=made["token"], url=made["url"], shop=shop, action=action, used=False)
        code.quantity, code.expires_at = quantity, expires_at
        self.codes.append(code)

    @precondition(lambda self: self.codes)
    @rule(who=WHO, pick=PICK, as_url=st.booleans())
    def scan_code(self, who, pick, as_url):
        code = self.codes[pick % len(self.codes)]
        body = {"code": code.url if as_url else code.token}
        self.scan(who, code.shop, body, code, code.action, code.quantity)

    @precondition(lambda self: self.keyed)
    @rule(pick=PICK, same_body=st.booleans())
    def retry(self, pick, same_body):
        """The same key and body get the first answer again; another body is refused."""
        sent = self.keyed[pick % len(self.keyed)]
        if not same_body:
            other = next(r.id for r in self.rewards if r.id != sent.body.get("reward_id"))
            n = (sent.body.get("quantity") or 1) % 5 + 1
            redeeming = "reward_id" in sent.body
            body = {"reward_id": other} if redeeming else {**sent.body, "quantity": n}
            response, _ = self.keyed_post(sent.who, sent.path, body, sent.key)
            self.refused(response, {"idempotency_key_reused"})
            return
        response, _ = self.keyed_post(sent.who, sent.path, sent.body, sent.key)
        again = self.expect(response, sent.status)
        if sent.status == 201 and "redemption" in again:
            # The same hold comes back; its status (and the balance) may have moved on since.
            moving = ("status", "confirmed_at", "resolved_at")
            first = {k: v for k, v in sent.answer["redemption"].items() if k not in moving}
            assert {k: v for k, v in again["redemption"].items() if k not in moving} == first
        else:
            assert again == sent.answer

    # -- redeeming ---------------------------------------------------------------------------

    @rule(who=WHO, pick=st.integers(0, 2))
    def request_redemption(self, who, pick):
        """A resident's own expired holds count again: their points and items come back first."""
        resident, reward = self.residents[who], self.rewards[pick]
        for hold in self.holds:
            if hold.resident == who:
                self.settle(hold)
        refusals = {"account_suspended"} if resident.suspended else set()
        if resident.balance < reward.points:
            refusals.add("insufficient_points")
        if reward.stock == 0:
            refusals.add("out_of_stock")
        response, sent = self.keyed_post(who, "/api/v1/redemptions", {"reward_id": reward.id})
        if refusals:
            self.refused(response, refusals)
            return
        resident.balance -= reward.points
        if reward.stock is not None:
            reward.stock, reward.dirty = reward.stock - 1, True
        made = self.expect(response, 201)["redemption"]
        expires_at = self.now + self.seconds("redemption_ttl_seconds")
        assert (made["status"], made["points"]) == ("pending", reward.points)
        assert datetime.fromisoformat(made["expires_at"]) == expires_at
        assert sent.answer["balance"] == resident.balance
        self.holds.append(Hold(made["id"], who, reward, expires_at))

    def pick_hold(self, pick, late):
        """Mostly the newest pending hold (resolved ones answer not_pending); when `late`, the
        clock first moves on to the very second it expires."""
        holds = sorted(self.holds, key=lambda hold: (hold.status != "pending", -hold.id))
        hold = holds[pick % len(holds)]
        if late and hold.status == "pending":
            self.move_clock(hold.expires_at)
        hold.dirty = self.residents[hold.resident].dirty = True
        return hold

    def still_pending(self, hold, response):
        """A cancel or confirm that comes too late expires the hold; a resolved one is refused."""
        self.settle(hold)
        if hold.status != "pending":
            self.refused(response, {"not_pending"})
        return hold.status == "pending"

    @precondition(lambda self: self.holds)
    @rule(pick=PICK, by_owner=st.booleans(), late=st.booleans())
    def cancel(self, pick, by_owner, late):
        """Only the owner may cancel (to anyone else it does not exist), only while pending."""
        hold = self.pick_hold(pick, late)
        path = f"/api/v1/redemptions/{hold.id}"
        if not by_owner:
            stranger = bearer(self.residents[1 - hold.resident].session)
            self.expect(self.client.get(path, headers=stranger), 404)
            self.expect(self.client.post(f"{path}/cancel", headers=stranger), 404)
            return
        owner = self.residents[hold.resident]
        response = self.client.post(f"{path}/cancel", headers=bearer(owner.session))
        if self.still_pending(hold, response):
            self.refund(hold, "cancelled")
            answer = self.expect(response, 200)
            assert answer["redemption"]["status"] == "cancelled"
            assert answer["balance"] == owner.balance

    @precondition(lambda self: self.holds)
    @rule(pick=PICK, own_shop=st.booleans(), late=st.booleans())
    def confirm(self, pick, own_shop, late):
        """Only the reward's shop may confirm (to another it does not exist), only while pending."""
        hold = self.pick_hold(pick, late)
        shop = hold.reward.shop if own_shop else 1 - hold.reward.shop
        path = f"/api/v1/shop/redemptions/{hold.id}/confirm"
        response = self.client.post(path, headers=self.staff(shop))
        if not own_shop:
            self.expect(response, 404)
        elif self.still_pending(hold, response):
            hold.status = "confirmed"
            assert self.expect(response, 200)["redemption"]["status"] == "confirmed"

    # -- time --------------------------------------------------------------------------------

    @rule(to=st.sampled_from(("midnight", "later", "edge")), seconds=WAITS, sweep=SWEEP)
    def advance_clock(self, to, seconds, sweep):
        """Time passes, or jumps to within a second of an edge: the next Bangkok midnight (when
        the daily caps start over; first, as hypothesis tries the first choice most), a hold's
        or a code's expiry, the end of a cooldown. Then sometimes `expire-redemptions` runs."""
        if to == "later":
            self.move_clock(self.now + timedelta(seconds=seconds))
        else:
            edges = sorted(self.edges()) if to == "edge" else [self.today_starts(days=1)]
            self.move_clock(edges[seconds % len(edges)] + timedelta(seconds=seconds % 3 - 1))
        if sweep:
            overdue = [hold for hold in self.holds if self.overdue(hold)]
            assert self.in_service(redemptions.expire_overdue) >= len(overdue)
            for hold in overdue:
                self.settle(hold)

    def edges(self):
        """When a pending hold or an unused code expires, a recent cooldown ends, a day starts."""
        cooldown = self.seconds("scan_cooldown_seconds")
        edges = [self.today_starts(days=1)]
        edges += [hold.expires_at for hold in self.holds if hold.status == "pending"]
        edges += [code.expires_at for code in self.codes if not code.used]
        edges += [when + cooldown for r in self.residents for _, when in r.scans[-2:]]
        return [edge for edge in edges if edge >= self.now]

    def move_clock(self, moment):
        """Only forwards. Time alone must change nothing: read everything back after it."""
        self.env.now = max(self.now, moment.astimezone(UTC))
        for thing in [*self.residents, *self.rewards, *self.holds]:
            thing.dirty = True

    # -- admins ------------------------------------------------------------------------------

    @rule(kind=st.sampled_from(ADMIN), who=WHO, pick=PICK)
    def admin(self, kind, who, pick):
        """An admin corrects a balance, suspends or reinstates a resident, or changes a rule."""
        if kind == "adjust":
            self.adjust(who, DELTAS[pick % len(DELTAS)])
        elif kind == "limit":
            self.set_limits(dict([NEW_LIMITS[pick % len(NEW_LIMITS)]]))
        elif kind == "points":
            self.set_points(sorted(POINTS)[pick % 3], pick % 10 + 1)
        else:  # the services the admin console calls
            suspend, user_id = kind == "suspend", self.residents[who].session.user.id
            change = residents.suspend_resident if suspend else residents.unsuspend_resident
            admin_id = self.env.admin.user.id
            self.in_service(lambda: change(user_id, reason="model", actor_id=admin_id))
            self.residents[who].suspended = suspend

    def adjust(self, who, delta):
        """An adjustment is a new ledger entry, refused if the balance would go below zero."""
        note(f"adjust resident {who} by {delta}")
        resident, admin_id = self.residents[who], self.env.admin.user.id
        resident.dirty, user_id = True, resident.session.user.id

        def call():
            try:
                ledger.adjust_balance(user_id, delta, reason="model", actor_id=admin_id)
            except InsufficientPoints:
                db.session.rollback()
                return False
            return True

        assert self.in_service(call) == (resident.balance + delta >= 0)
        resident.balance += delta if resident.balance + delta >= 0 else 0

    def set_limits(self, changes):
        note(f"limits {changes}")
        self.limits |= changes
        headers = bearer(self.env.admin)
        response = self.client.patch("/api/v1/admin/limits", json=changes, headers=headers)
        assert self.expect(response, 200) == self.limits

    def set_points(self, action, points):
        note(f"{action} earns {points} points")
        self.env.points_changed, self.points[action] = True, points
        path, headers = f"/api/v1/admin/actions/{action}", bearer(self.env.admin)
        self.expect(self.client.patch(path, json={"points": points}, headers=headers), 200)

    # -- after every step --------------------------------------------------------------------

    @invariant()
    def agrees_with_the_model(self):
        """Read back what the step may have changed (everything, when the clock moved)."""
        for hold in (h for h in self.holds if h.dirty):
            path, owner = f"/api/v1/redemptions/{hold.id}", self.residents[hold.resident]
            seen = self.expect(self.client.get(path, headers=bearer(owner.session)), 200)
            assert seen["status"] == ("expired" if self.overdue(hold) else hold.status), hold
            hold.dirty = False
        for resident in (r for r in self.residents if r.dirty):
            me = self.client.get("/api/v1/me", headers=bearer(resident.session))
            assert self.expect(me, 200)["balance"] == resident.balance
            resident.dirty = False
        for reward in (r for r in self.rewards if r.dirty):
            seen = self.expect(self.client.get(f"/api/v1/rewards/{reward.id}"), 200)
            assert seen["stock_left"] == reward.stock, reward
            reward.dirty = False
        assert self.in_service(ledger.verify_ledger) == []


def test_points_stock_and_statuses_agree_with_a_plain_model(
    app, client, make_admin, make_resident, make_shop, make_reward, shop_token, monkeypatch
):
    """Run the machine; the examples share the database, each with people of its own."""
    makers = dict(make_resident=make_resident, make_shop=make_shop, make_reward=make_reward)
    env = Row(app=app, client=client, shop_token=shop_token, now=None, **makers)
    monkeypatch.setattr(clock, "now", lambda: env.now or datetime.now(UTC))
    monkeypatch.setitem(app.config, "ACCESS_TOKEN_TTL", timedelta(hours=3))  # long local runs
    if hasattr(security, "_hasher"):  # a few sign-ups per example: hash passwords cheaply
        fast = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
        monkeypatch.setattr(security, "_hasher", fast)
    env.admin, env.points_changed = make_admin(), False
    stateful.run_state_machine_as_test(
        lambda: PointsMachine(env),
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=25,
            deadline=None,
            database=None,  # nothing written into the checkout; a failure prints its steps
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
