"""The campaign rule, without an app: how much bonus, which campaign a scan gets."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from ecolife import rules

NOW = datetime(2026, 11, 23, 5, 0, tzinfo=UTC)
SCAN = rules.CampaignScan(NOW, points=10, action_code="bag", shop_id=7, shop_area_code="510101")


def terms(id=1, *, multiplier=None, bonus=None, days=1, **given) -> rules.CampaignTerms:
    return rules.CampaignTerms(
        id,
        starts_at=NOW - timedelta(days=1),
        ends_at=NOW + timedelta(days=days),
        multiplier=Decimal(multiplier) if multiplier else None,
        bonus_points=bonus,
        **given,
    )


def test_a_multiplier_adds_the_points_times_it_less_the_points_rounded_down():
    assert rules.campaign_bonus(10, Decimal("2"), None) == 10
    assert rules.campaign_bonus(3, Decimal("1.5"), None) == 1
    assert rules.campaign_bonus(20, Decimal("1.15"), None) == 3  # no float rounding


def test_a_fixed_bonus_adds_to_the_multiplied_part():
    assert rules.campaign_bonus(10, Decimal("2"), 5) == 15
    assert rules.campaign_bonus(10, None, 5) == 5


def test_the_largest_bonus_wins():
    double, fixed = terms(1, multiplier="2"), terms(2, bonus=12)
    assert rules.best_campaign([double, fixed], SCAN) == (fixed, 12)


def test_a_tie_goes_to_the_campaign_ending_first_then_the_older_one():
    later, sooner = terms(1, bonus=5, days=9), terms(2, bonus=5, days=2)
    assert rules.best_campaign([later, sooner], SCAN) == (sooner, 5)
    assert rules.best_campaign([terms(4, bonus=5), terms(3, bonus=5)], SCAN)[0].id == 3


def test_the_budget_left_caps_the_bonus_and_a_used_up_budget_gives_nothing():
    assert rules.best_campaign([terms(bonus=50, budget_left=4)], SCAN)[1] == 4
    assert rules.best_campaign([terms(bonus=50, budget_left=0)], SCAN) is None


def test_a_campaign_applies_only_while_it_runs():
    ended = rules.CampaignTerms(1, NOW - timedelta(days=2), NOW, None, 5)
    upcoming = rules.CampaignTerms(2, NOW + timedelta(seconds=1), NOW + timedelta(days=1), None, 5)
    assert rules.best_campaign([ended, upcoming], SCAN) is None


def test_a_campaign_applies_only_to_its_actions_shops_and_areas():
    assert rules.best_campaign([terms(bonus=5, action_codes=("cup",))], SCAN) is None
    assert rules.best_campaign([terms(bonus=5, shop_ids=(8,))], SCAN) is None
    assert rules.best_campaign([terms(bonus=5, area_codes=("5104",))], SCAN) is None
    fitting = terms(bonus=5, action_codes=("bag",), shop_ids=(7,), area_codes=("5104", "5101"))
    assert rules.best_campaign([fitting], SCAN) == (fitting, 5)


def test_a_bonus_that_rounds_to_nothing_is_no_campaign():
    assert rules.best_campaign([terms(multiplier="1.05")], SCAN) is None
