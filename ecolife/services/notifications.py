"""Each user's inbox: the one way to put a notification in it, and the reading side.

`notify` and `notify_many` write in the caller's transaction (no commit) and hand the new
rows to delivery (push, LINE, e-mail). The same event is told once: a repeated
(user, kind, dedupe_key) is skipped by the unique constraint, not by a check in Python.
Titles and bodies are not stored: `render` writes them in the reader's language from the
kind and its parameters, for the inbox and for every delivery channel alike.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from babel.dates import format_date
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import Select, case, exists, func, literal, null, select, update
from sqlalchemy.dialects.postgresql import JSONB, insert

from ecolife import clock, rules
from ecolife.extensions import db
from ecolife.models import Campaign, Redemption
from ecolife.models.delivery import ChannelPreference
from ecolife.models.notification import Notification, NotificationKind
from ecolife.pagination import paginate
from ecolife.services import delivery
from ecolife.services.unit import value, values

ONCE = "uq_notifications_once"
BUDDHIST_ERA = 543


def notify(
    user_id: int, kind: str, params: dict[str, Any], *, dedupe_key: str | None = None
) -> int | None:
    """Put a notification in a user's inbox, in the caller's transaction; return its id, or
    None when the same (kind, dedupe_key) was already told to them."""
    # On the session's connection: the ORM would take the parameters for a bulk INSERT.
    new = db.session.connection().execute(
        NOTIFY,
        values(
            user_id=user_id,
            kind=NotificationKind(kind).value,
            params=params,
            dedupe_key=dedupe_key,
            now=clock.now(),
        ),
    ).first()
    if new is None:
        return None
    if new.fanned_out_at is None:
        delivery.fan_out([new.id])
    return new.id


def _done_unless_a_channel_is_on(user_id, now):
    """The fanned_out_at of a new notification: None (to be delivered) when the user turned a
    delivery channel on, else done at once: most people read the inbox only, and no job is
    queued for them (a channel turned on later takes the next notifications)."""
    channel_on = exists().where(ChannelPreference.user_id == user_id, ChannelPreference.enabled)
    return case((channel_on, null()), else_=now)


# Built once: a confirm (a hot path) tells the resident with it, and compiling is its cost.
_user_id = value("user_id", Notification.user_id.type)
_now = value("now", Notification.created_at.type)
NOTIFY = (
    insert(Notification)
    .values(
        user_id=_user_id,
        kind=value("kind", Notification.kind.type),
        params=value("params", Notification.params.type),
        dedupe_key=value("dedupe_key", Notification.dedupe_key.type),
        created_at=_now,
        fanned_out_at=_done_unless_a_channel_is_on(_user_id, _now),
    )
    .on_conflict_do_nothing(constraint=ONCE)
    .returning(Notification.id, Notification.fanned_out_at)
)


def notify_many(
    user_ids_select: Select, kind: str, params: dict[str, Any], *, dedupe_key: str | None
) -> list[int]:
    """Put the same notification in the inbox of every user the one-column select finds, in
    one INSERT … SELECT in the caller's transaction; return the new ids (those already told
    are skipped)."""
    now = clock.now()
    users = user_ids_select.subquery()
    rows = select(
        users.c[0],
        literal(NotificationKind(kind).value),
        literal(params, JSONB),
        literal(dedupe_key, Notification.dedupe_key.type),
        literal(now, Notification.created_at.type),
        _done_unless_a_channel_is_on(users.c[0], literal(now, Notification.fanned_out_at.type)),
    )
    columns = ("user_id", "kind", "params", "dedupe_key", "created_at", "fanned_out_at")
    new = db.session.execute(
        insert(Notification)
        .from_select(columns, rows)
        .on_conflict_do_nothing(constraint=ONCE)
        .returning(Notification.id, Notification.fanned_out_at)
    ).all()
    to_deliver = [row.id for row in new if row.fanned_out_at is None]
    if to_deliver:
        delivery.fan_out(to_deliver)
    return [row.id for row in new]


def tell_redemption_confirmed(redemption: Redemption) -> int | None:
    """Tell a resident their reward was handed over (in the confirm's transaction)."""
    reward, shop = redemption.reward, redemption.reward.shop
    params = {
        "redemption_id": redemption.id,
        "reward": reward.name_th,
        "reward_en": reward.name_en,
        "shop": shop.name,
        "shop_en": shop.name_en,
        "points": redemption.points,
    }
    return notify(
        redemption.user_id,
        NotificationKind.REDEMPTION_CONFIRMED,
        params,
        dedupe_key=str(redemption.id),
    )


def tell_suspended(user_id: int, reason: str) -> int | None:
    """Tell a resident their account was suspended, with the admin's reason (each
    suspension is news: a resident suspended again is told again)."""
    return notify(user_id, NotificationKind.ACCOUNT_SUSPENDED, {"reason": reason})


@dataclass(frozen=True)
class Inbox:
    """A page of a user's notifications with how many of all of them are unread."""

    items: list[Notification]
    next_cursor: str | None
    unread: int


def inbox(user_id: int, *, limit: int, cursor: str | None) -> Inbox:
    """List a user's notifications, newest first, a page at a time, with the unread count."""
    stmt = select(Notification).where(Notification.user_id == user_id)
    page = paginate(stmt, Notification.id, limit=limit, cursor=cursor, newest_first=True)
    return Inbox(page.items, page.next_cursor, unread_count(user_id))


def unread_count(user_id: int) -> int:
    """Count the user's notifications not read yet."""
    return db.session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
    )


def mark_read(
    user_id: int,
    ids: Iterable[int] = (),
    *,
    everything: bool = False,
    up_to_id: int | None = None,
) -> int:
    """Mark some of a user's notifications (or all of them, up to `up_to_id`: the newest they
    saw) read; return how many are still unread. Ids that are not the user's are ignored:
    nothing says whether they exist."""
    ids = list(ids)
    if ids or everything:
        stmt = update(Notification).where(
            Notification.user_id == user_id, Notification.read_at.is_(None)
        )
        if not everything:
            stmt = stmt.where(Notification.id.in_(ids))
        elif up_to_id is not None:  # one that came after the screen was drawn stays unread
            stmt = stmt.where(Notification.id <= up_to_id)
        db.session.execute(stmt.values(read_at=clock.now()))
    unread = unread_count(user_id)
    db.session.commit()
    return unread


def render(kind: str, params: dict[str, Any], locale: str) -> tuple[str, str]:
    """Write a notification's title and body in `locale` ("th" or "en")."""
    with force_locale(locale):
        return _TEXTS[NotificationKind(kind)](params or {}, locale)


def render_notification(notification: Notification, locale: str) -> tuple[str, str]:
    """Write a stored notification's title and body in `locale`."""
    return render(notification.kind, notification.params, locale)


def _redemption_confirmed(params: dict, locale: str) -> tuple[str, str]:
    body = _(
        "%(reward)s at %(shop)s · %(points)s points used",
        reward=_named(params, "reward", locale),
        shop=_named(params, "shop", locale),
        points=params.get("points", 0),
    )
    return _("Reward redeemed"), body


def _points_expiring(params: dict, locale: str) -> tuple[str, str]:
    body = _(
        "%(points)s points will expire on %(day)s",
        points=params.get("points", 0),
        day=format_day(last_valid_day(params.get("expires_at")), locale),
    )
    return _("Points expiring soon"), body


def _campaign_started(params: dict, locale: str) -> tuple[str, str]:
    campaign = db.session.get(Campaign, params.get("campaign_id"))
    if campaign is None:
        return _("A campaign has started"), ""
    name = campaign.name_en if locale == "en" and campaign.name_en else campaign.name_th
    return _("Campaign started: %(name)s", name=name), _campaign_gives(campaign, locale)


def _campaign_gives(campaign: Campaign, locale: str) -> str:
    parts = []
    if campaign.multiplier is not None:
        times = format(campaign.multiplier.normalize(), "f")
        parts.append(_("points × %(times)s", times=times))
    if campaign.bonus_points is not None:
        parts.append(_("+%(points)s bonus points a scan", points=campaign.bonus_points))
    until = format_day(campaign.ends_at - timedelta(microseconds=1), locale)
    return _("%(gives)s · until %(day)s", gives=" · ".join(parts), day=until)


def _account_suspended(params: dict, locale: str) -> tuple[str, str]:
    body = _("You cannot earn points for now. Reason: %(reason)s", reason=params.get("reason", ""))
    return _("Account suspended"), body


_TEXTS = {
    NotificationKind.REDEMPTION_CONFIRMED: _redemption_confirmed,
    NotificationKind.POINTS_EXPIRING: _points_expiring,
    NotificationKind.CAMPAIGN_STARTED: _campaign_started,
    NotificationKind.ACCOUNT_SUSPENDED: _account_suspended,
}


def _named(params: dict, key: str, locale: str) -> str:
    # Names are kept in both languages when the event happens: a renamed reward or shop
    # does not rewrite what the resident was told.
    return (locale == "en" and params.get(f"{key}_en")) or params.get(key, "")


def last_valid_day(expires_at: str | datetime | date | None) -> date | None:
    """The last Bangkok day on which points that expire at `expires_at` still count (an
    instant is the first moment after it; a plain date is that day itself)."""
    if isinstance(expires_at, str):
        parse = datetime.fromisoformat if len(expires_at) > 10 else date.fromisoformat
        expires_at = parse(expires_at)
    if isinstance(expires_at, datetime):
        return (expires_at - timedelta(microseconds=1)).astimezone(rules.BANGKOK).date()
    return expires_at


def format_day(day: date | datetime | None, locale: str) -> str:
    """Write a day as "31 ม.ค. 2570" in Thai (Buddhist era), "31 Jan 2027" in English."""
    if day is None:
        return ""
    if isinstance(day, datetime):
        day = day.astimezone(rules.BANGKOK).date()
    year = day.year + BUDDHIST_ERA if locale == "th" else day.year
    return f"{day.day} {format_date(day, 'MMM', locale=locale)} {year}"


def of_user(user_id: int) -> Sequence[Notification]:
    """Every notification of a user, oldest first (for their data export)."""
    return db.session.scalars(
        select(Notification).where(Notification.user_id == user_id).order_by(Notification.id)
    ).all()
