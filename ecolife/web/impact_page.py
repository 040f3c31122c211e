"""/impact: the programme's published figures for everyone, Thai first, no sign-in."""

from dataclasses import dataclass
from datetime import date

from babel.dates import format_date
from flask import Blueprint, abort, current_app, render_template, request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from sqlalchemy import select

from ecolife.api.fields import unstorable_text
from ecolife.api.public import PublicImpactArgs, notice
from ecolife.database import replica_reads
from ecolife.errors import NotFound, ValidationFailed
from ecolife.models import Area
from ecolife.services import public_figures
from ecolife.web.dates import BUDDHIST_ERA
from ecolife.web.forms import translate_errors

bp = Blueprint("impact", __name__)

# The service's refusals, in the reader's language.
MESSAGES = {
    public_figures.AFTER_PUBLISHED: _l(
        "Figures are published up to the last whole month: choose an earlier month."
    )
}


@dataclass(frozen=True)
class ChartTotals:
    items: int
    kg: float


@dataclass(frozen=True)
class ChartPoint:
    """One month as the console's bar chart reads a day (withheld figures drawn as 0)."""

    day: date
    label: str
    totals: ChartTotals


@bp.get("/impact")
def impact():
    args = {k: v for k, v in request.args.items() if k in ("area", "from", "to") and v}
    if unstorable_text(args.get("area", "")):
        abort(404)  # no area has a NUL in its code
    try:
        span = PublicImpactArgs().load(args)
        report = public_figures.public_report(span.get("area"), span.get("from_"), span.get("to"))
    except ValidationError as exc:
        return _page(None, args, translate_errors(exc.messages)), 422
    except ValidationFailed as exc:  # a start after the last month published
        errors = {k: [str(MESSAGES.get(m, m)) for m in v] for k, v in exc.errors.items()}
        return _page(None, args, errors), 422
    except NotFound:
        abort(404)
    return _page(report, args, {})


def _page(report, args: dict, errors: dict) -> str:
    return render_template(
        "impact.html",
        report=report,
        args=args,
        errors=errors,
        chart=_chart(report.months) if report else [],
        markers=_markers(report.figures) if report else [],
        areas=_areas(),
        month_name=month_name,
        notice=notice(report.figures, month_name) if report else None,
        tile_url=current_app.config["MAP_TILE_URL"],
        tile_attribution=current_app.config["MAP_TILE_ATTRIBUTION"],
    )


def month_label(month: date, pattern: str = "MMM", *, short_year: bool = True) -> str:
    """Write a month as "ต.ค. 69" in Thai (Buddhist year), "Oct 26" in English; with
    pattern "MMMM" and the whole year, "ตุลาคม 2569" or "October 2026"."""
    locale = str(get_locale())
    year = month.year + BUDDHIST_ERA if locale == "th" else month.year
    written = f"{year % 100:02d}" if short_year else str(year)
    return f"{format_date(month, pattern, locale=locale)} {written}"


def month_name(month: date) -> str:
    return month_label(month, "MMMM", short_year=False)


def _chart(months: list[public_figures.MonthFigures]) -> list[ChartPoint]:
    return [
        ChartPoint(
            m.month,
            month_label(m.month),
            ChartTotals(m.figures.items_total or 0, round((m.figures.milligrams or 0) / 1e6, 3)),
        )
        for m in months
    ]


def _markers(figures: public_figures.AreaFigures) -> list[dict]:
    """What the map draws: the sub-areas at their centres (sized by grams), and the shops."""
    areas = [c for c in figures.children if c.level in ("amphoe", "tambon")]
    return [_marker("area", p) for p in areas if _located(p)] + [
        _marker("shop", p) for p in figures.shops if _located(p)
    ]


def _located(place: public_figures.Place) -> bool:
    return place.lat is not None and place.lon is not None


def _marker(kind: str, place: public_figures.Place) -> dict:
    name = place.name_en if str(get_locale()) == "en" else place.name_th
    grams = place.figures.grams or 0
    return {"kind": kind, "name": name, "lat": place.lat, "lon": place.lon, "grams": grams}


def _areas() -> list[Area]:
    """Every district and sub-district, for the area picker, in code order."""
    with replica_reads() as session:
        return list(session.scalars(select(Area).order_by(Area.code)))
