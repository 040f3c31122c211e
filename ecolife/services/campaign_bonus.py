"""A campaign's bonus on a credited scan: the candidates in the scan's read, the grant after
its write (see earning.py). The pure rule is rules.best_campaign."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import psycopg
from sqlalchemy import (
    ColumnElement,
    Integer,
    String,
    bindparam,
    cast,
    func,
    or_,
    select,
    text,
)

from ecolife import rules
from ecolife.database import prebuilt
from ecolife.models import Campaign, EntryKind, ReasonCode
from ecolife.services.ledger import ENTRY
from ecolife.services.unit import values


@dataclass(frozen=True)
class CampaignRef:
    """The campaign a scan got, as the resident's app is told: its bonus points given."""

    id: int
    name_th: str
    name_en: str | None
    bonus_points: int


@dataclass(frozen=True)
class Offer:
    """The campaign a scan is to get and the bonus it would give (before the grant)."""

    terms: rules.CampaignTerms
    name_th: str
    name_en: str | None
    bonus: int


def candidates() -> ColumnElement:
    """A scalar subquery of the scan's read: the campaigns running at `now` (parameter) with
    budget left, and where they apply, as a JSON array (NULL when none, which is the usual
    case: the index on ends_at finds no row and it costs next to nothing).

    Only the time window and the budget are looked at here; whether one applies to this
    scan (its action, shop and area) is rules.campaign_applies, the one rule.
    """
    now = bindparam("now", type_=Campaign.starts_at.type)
    # The multiplier as text: exact decimals, not floats.
    terms = func.json_build_object(
        "id",
        Campaign.id,
        "name_th",
        Campaign.name_th,
        "name_en",
        Campaign.name_en,
        "starts_at",
        Campaign.starts_at,
        "ends_at",
        Campaign.ends_at,
        "multiplier",
        cast(Campaign.multiplier, String),
        "bonus_points",
        Campaign.bonus_points,
        "budget_left",
        Campaign.budget_points - Campaign.bonus_granted,
        "action_codes",
        Campaign.action_codes,
        "area_codes",
        Campaign.area_codes,
        "shop_ids",
        Campaign.shop_ids,
    )
    return (
        select(func.json_agg(terms))
        .where(
            Campaign.ends_at > now,
            Campaign.starts_at <= now,
            or_(Campaign.budget_points.is_(None), Campaign.bonus_granted < Campaign.budget_points),
        )
        .scalar_subquery()
    )


def best_offer(found: list[dict] | None, scan: rules.CampaignScan) -> Offer | None:
    """Pick the campaign a scan gets from the candidates its read found (rules.best_campaign)."""
    if not found:
        return None
    by_id = {item["id"]: item for item in found}
    best = rules.best_campaign([_terms(item) for item in found], scan)
    if best is None:
        return None
    terms, bonus = best
    item = by_id[terms.id]
    return Offer(terms, item["name_th"], item["name_en"], bonus)


def _terms(item: dict) -> rules.CampaignTerms:
    return rules.CampaignTerms(
        item["id"],
        starts_at=datetime.fromisoformat(item["starts_at"]),
        ends_at=datetime.fromisoformat(item["ends_at"]),
        multiplier=Decimal(item["multiplier"]) if item["multiplier"] is not None else None,
        bonus_points=item["bonus_points"],
        action_codes=_tuple(item.get("action_codes")),
        area_codes=_tuple(item.get("area_codes")),
        shop_ids=_tuple(item.get("shop_ids")),
        budget_left=item["budget_left"],
    )


def _tuple(items: list | None) -> tuple | None:
    return tuple(items) if items is not None else None


@dataclass(frozen=True)
class BonusFor:
    """The credited scan a bonus is added to (in the scan's transaction)."""

    user_id: int
    scan_id: int
    shop_id: int
    actor_id: int
    expires_at: datetime | None
    now: datetime


def grant(conn: psycopg.Connection, offer: Offer, scan: BonusFor) -> tuple[CampaignRef, int] | None:
    """Take the bonus from the campaign's budget and credit it (kind bonus) in the caller's
    transaction; return the campaign as the app is told and the balance after, or None when
    the campaign ended or its budget ran out since the read (the scan stays credited).

    The resident's row is already locked by the scan's write; the campaign's row is locked
    by this UPDATE until the transaction ends, so concurrent scans take from the budget one
    at a time and never pass it (the one near its end gets the part left)."""
    params = values(campaign_id=offer.terms.id, bonus=offer.bonus, now=scan.now)
    [taken] = prebuilt((GRANT, params), conn=conn)
    if not taken or taken[0].granted <= 0:
        return None
    granted = taken[0].granted
    [[(balance,)]] = prebuilt(
        (
            ENTRY,
            values(
                user_id=scan.user_id,
                delta=granted,
                kind=EntryKind.BONUS,
                reason="",
                reason_code=ReasonCode.CAMPAIGN,
                reason_params={"scan_id": scan.scan_id},
                now=scan.now,
                shop_id=scan.shop_id,
                scan_id=None,
                redemption_id=None,
                actor_id=scan.actor_id,
                entry_expires_at=scan.expires_at,
                campaign_id=offer.terms.id,
            ),
        ),
        conn=conn,
    )
    return CampaignRef(offer.terms.id, offer.name_th, offer.name_en, granted), balance


# The row is locked first (FOR UPDATE reads its newest version after waiting), so the part
# granted is computed from what the previous scan left, and the UPDATE adds exactly it.
GRANT = text(
    """
    WITH locked AS (
        SELECT id, LEAST(:v_bonus, COALESCE(budget_points - bonus_granted, :v_bonus)) AS granted
        FROM campaigns
        WHERE id = :v_campaign_id AND starts_at <= :v_now AND ends_at > :v_now
        FOR UPDATE
    )
    UPDATE campaigns SET bonus_granted = campaigns.bonus_granted + locked.granted
    FROM locked
    WHERE campaigns.id = locked.id AND locked.granted > 0
    RETURNING locked.granted
    """
).bindparams(
    bindparam("v_bonus", type_=Integer),
    bindparam("v_campaign_id", type_=Integer),
    bindparam("v_now", type_=Campaign.starts_at.type),
)
