"""The admin console's impact and statement pages, each table also as CSV."""

import csv
import io

from flask import Blueprint, Response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError

from ecolife.api.reward_schemas import StatementArgs
from ecolife.models import Role
from ecolife.services import impact
from ecolife.web.forms import translate_errors
from ecolife.web.schemas import last_days
from ecolife.web.session import console_required, console_scope

bp = Blueprint("admin_reports", __name__, url_prefix="/admin")
admin_required = console_required(Role.ADMIN)


@bp.get("/")
@admin_required
def home():
    return redirect(url_for(".impact_page"))


@bp.get("/impact")
@admin_required
def impact_page():
    span, errors = _span()
    if errors:
        return render_template("admin/impact.html", span=span, errors=errors), 422
    return render_template(
        "admin/impact.html",
        span=span,
        errors={},
        days=impact.daily_impact(span["from_"], span["to"], scope=console_scope()),
        shops=impact.impact_by_shop(span["from_"], span["to"], scope=console_scope()),
        districts=impact.impact_by_district(span["from_"], span["to"], scope=console_scope()),
    )


@bp.get("/impact/<any(days, shops, districts):table>.csv")
@admin_required
def impact_csv(table: str):
    span, errors = _span()
    if errors:
        return redirect(url_for(".impact_page"))
    header = [
        _("Day") if table == "days" else _("Name"),
        _("Scans"),
        _("Items"),
        _("Grams"),
        _("Points"),
    ]
    if table == "days":
        rows = [
            (d.day.isoformat(), *_totals(d.totals))
            for d in impact.daily_impact(span["from_"], span["to"], scope=console_scope())
        ]
    else:
        groups = impact.impact_by_shop if table == "shops" else impact.impact_by_district
        found = groups(span["from_"], span["to"], scope=console_scope())
        rows = [(g.name_th, *_totals(g.totals)) for g in found]
    return _csv(f"ecolife-impact-{table}-{span['from_']}-{span['to']}.csv", header, rows)


@bp.get("/statements")
@admin_required
def statements():
    span, errors = _span()
    scope = console_scope()
    rows = [] if errors else impact.shop_statements(span["from_"], span["to"], scope=scope)
    return render_template("admin/statements.html", span=span, errors=errors, rows=rows), (
        422 if errors else 200
    )


@bp.get("/statements.csv")
@admin_required
def statements_csv():
    span, errors = _span()
    if errors:
        return redirect(url_for(".statements"))
    header = [
        _("Shop"),
        _("Points issued"),
        _("Points redeemed"),
        _("Confirmed"),
        _("Pending"),
        _("Cancelled"),
        _("Expired"),
    ]
    rows = [
        (
            r.name_th,
            r.points_issued,
            r.points_redeemed,
            r.confirmed,
            r.pending,
            r.cancelled,
            r.expired,
        )
        for r in impact.shop_statements(span["from_"], span["to"], scope=console_scope())
    ]
    return _csv(f"ecolife-statements-{span['from_']}-{span['to']}.csv", header, rows)


def _span() -> tuple[dict, dict]:
    raw = {**last_days(), **{k: v for k, v in request.args.items() if k in ("from", "to") and v}}
    try:
        span = StatementArgs().load(raw)
    except ValidationError as exc:
        return {"from_": raw["from"], "to": raw["to"]}, translate_errors(exc.messages)
    return span, {}


def _totals(totals: impact.Totals) -> tuple:
    return totals.scans, totals.items, f"{totals.grams:.1f}", totals.points


def _cell(value):
    # A name starting with = + - @ would run as a formula in a spreadsheet.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def _csv(filename: str, header: list, rows: list) -> Response:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows([_cell(value) for value in row] for row in rows)
    # A BOM lets Excel open Thai text as UTF-8.
    return Response(
        "\ufeff" + out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
