"""The admin console's liability and settlement page: points outstanding, points expiring,
and per shop per month the points issued and redeemed there, also as CSV."""

from datetime import timedelta

from flask import Blueprint, redirect, render_template, request, url_for
from marshmallow import ValidationError

from ecolife import clock, rules
from ecolife.api.admin_liability import LiabilityArgs
from ecolife.errors import ValidationFailed
from ecolife.models import Role
from ecolife.services import liability
from ecolife.web.admin_reports import _csv
from ecolife.web.forms import translate_errors
from ecolife.web.impact_page import month_name
from ecolife.web.session import console_required, console_scope

bp = Blueprint("console_liability", __name__, url_prefix="/admin")
admin_required = console_required(Role.ADMIN)

# Bilingual, so the file reads the same whoever downloads it and whatever reads it next.
CSV_HEADER = [
    "เดือน / Month",
    "รหัสร้าน / Shop ID",
    "ร้าน / Shop",
    "ร้าน (อังกฤษ) / Shop (English)",
    "แต้มที่ออกให้ / Points issued",
    "โบนัสแคมเปญ / Campaign bonus",
    "แต้มที่แลก / Points redeemed",
]


@bp.get("/liability")
@admin_required
def index():
    report, errors = _report()
    return render_template(
        "admin/liability.html",
        report=report,
        errors=errors,
        span=_typed(),
        months=_months(report),
        month_name=month_name,
    ), (422 if errors else 200)


@bp.get("/liability.csv")
@admin_required
def liability_csv():
    report, errors = _report()
    if errors:
        return redirect(url_for(".index"))
    rows = [
        (
            r.month.strftime("%Y-%m"),
            r.shop_id,
            r.name,
            r.name_en or "",
            r.issued,
            r.bonus,
            r.redeemed,
        )
        for r in report.by_shop
    ]
    name = f"ecolife-liability-{report.from_:%Y-%m}-{report.to:%Y-%m}.csv"
    return _csv(name, CSV_HEADER, rows)


def _report() -> tuple[liability.Liability | None, dict]:
    try:
        span = LiabilityArgs().load(_typed())
        return liability.liability(span["from_"], span["to"], scope=console_scope()), {}
    except ValidationError as exc:
        return None, translate_errors(exc.messages)
    except ValidationFailed as refusal:
        return None, translate_errors(refusal.errors)


def _months(report: liability.Liability | None) -> list[tuple[str, str]]:
    """The months to choose from, newest first: the last five years (and the shown range)."""
    this_month = clock.now().astimezone(rules.BANGKOK).date().replace(day=1)
    first = this_month.replace(year=this_month.year - 5)
    if report is not None:
        first = min(first, report.from_)
    months, month = [], this_month
    while month >= first:
        months.append((month.strftime("%Y-%m"), month_name(month)))
        month = (month - timedelta(days=1)).replace(day=1)
    return months


def _typed() -> dict:
    """The months as the form sent them (empty ones left out: the defaults apply)."""
    return {k: v for k, v in request.args.items() if k in ("from", "to") and v}
