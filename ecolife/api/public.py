"""/api/v1/public: the programme's published figures, for anyone (no sign-in)."""

from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields, validates_schema

from ecolife.api.blueprint import Blueprint
from ecolife.api.fields import Integer
from ecolife.services import public_figures

bp = Blueprint(
    "public", __name__, url_prefix="/api/v1/public", description="Published figures (no sign-in)"
)

MONTH = "%Y-%m"


def month_field(**kwargs) -> fields.Date:
    """A Bangkok calendar month, "YYYY-MM"."""
    metadata = {"format": "year-month", "pattern": "^[0-9]{4}-[0-9]{2}$", "example": "2026-10"}
    return fields.Date(format=MONTH, metadata=metadata | kwargs.pop("metadata", {}), **kwargs)


MAX_MONTHS = 60


class PublicImpactArgs(Schema):
    area = fields.String(
        metadata={
            "description": "Official code: province (51), district (5104), sub-district"
            " (510401); the province by default. An unknown code is a 404."
        },
    )
    from_ = month_field(data_key="from")
    to = month_field()

    @validates_schema
    def ordered(self, data, **kwargs):
        first, last = data.get("from_"), data.get("to")
        if (first is None) != (last is None):
            raise ValidationError("Give both from and to, or neither.", "to")
        if first and last < first:
            raise ValidationError("Must not be before from.", "to")
        if first and (last.year - first.year) * 12 + last.month - first.month >= MAX_MONTHS:
            raise ValidationError(f"At most {MAX_MONTHS} months at a time.", "to")


def _figure_fields(prefix: str = "") -> dict:
    """Published figures, read from `prefix`; null where fewer than 5 residents would show."""

    def at(name: str) -> dict:
        return {"attribute": prefix + name} if prefix else {}

    return {
        "scans": Integer(allow_none=True, **at("scans")),
        "items": fields.Dict(keys=fields.String(), values=Integer(allow_none=True), **at("items")),
        "grams": fields.Float(allow_none=True, **at("grams")),
        "points_issued": Integer(allow_none=True, **at("points_issued")),
        "points_redeemed": Integer(allow_none=True, **at("points_redeemed")),
        "withheld": fields.Boolean(
            metadata={"description": "Some part was withheld for privacy"}, **at("withheld")
        ),
    }


FiguresSchema = Schema.from_dict(_figure_fields(), name="PublicFigures")
MonthSchema = Schema.from_dict(
    {
        "month": month_field(),
        **_figure_fields("figures."),
        "active_residents": Integer(allow_none=True, attribute="figures.active_residents"),
    },
    name="PublicMonth",
)


class PublicAreaSchema(Schema):
    code = fields.String()
    level = fields.String()
    name_th = fields.String()
    name_en = fields.String()
    parent_code = fields.String(allow_none=True)
    lat = fields.Float(allow_none=True)
    lon = fields.Float(allow_none=True)


class PublicPlaceSchema(Schema):
    code = fields.String(allow_none=True, metadata={"description": "null: shops not yet placed"})
    level = fields.String()
    name_th = fields.String()
    name_en = fields.String()
    lat = fields.Float(allow_none=True)
    lon = fields.Float(allow_none=True)
    totals = fields.Nested(FiguresSchema, attribute="figures")


class PublicParticipationSchema(Schema):
    tambon_code = fields.String()
    tambon_name_th = fields.String()
    tambon_name_en = fields.String()
    village_no = Integer(allow_none=True)
    households = Integer()
    target_percent = Integer()
    active_residents = Integer(allow_none=True)
    active_residents = Integer(
        allow_none=True,
        metadata={"description": "Rounded down to a multiple of 5; null: fewer than 5"},
    )
    percent = fields.Float(
        allow_none=True, metadata={"description": "Of the rounded count; null: fewer than 5"}
    )
    reached = fields.Boolean(
        allow_none=True,
        metadata={"description": "true when the rounded count reaches the target; else null"},
    )


class PublicDeclarationSchema(Schema):
    area_code = fields.String()
    area_name_th = fields.String(attribute="area.name_th")
    area_name_en = fields.String(attribute="area.name_en")
    village_no = Integer(allow_none=True)
    title = fields.String()
    declared_on = fields.Date()
    note = fields.String(allow_none=True)


class PublicMethodActionSchema(Schema):
    code = fields.String()
    name_th = fields.String()
    name_en = fields.String()
    grams = fields.Float()
    source = fields.String(attribute="milligrams_source", allow_none=True)
    set_on = fields.Date(attribute="milligrams_set_on", allow_none=True)


class PublicMethodSchema(Schema):
    min_residents = Integer()
    actions = fields.List(fields.Nested(PublicMethodActionSchema))


class PublicImpactSchema(Schema):
    area = fields.Nested(PublicAreaSchema, attribute="figures.area")
    from_ = month_field(data_key="from", attribute="figures.first")
    to = month_field(attribute="figures.last")
    months = fields.List(fields.Nested(MonthSchema), attribute="months")
    totals = fields.Nested(FiguresSchema, attribute="figures.totals", allow_none=True)
    children = fields.List(fields.Nested(PublicPlaceSchema), attribute="figures.children")
    shops = fields.List(fields.Nested(PublicPlaceSchema), attribute="figures.shops")
    partner_shops = Integer()
    participation = fields.List(fields.Nested(PublicParticipationSchema))
    declarations = fields.List(fields.Nested(PublicDeclarationSchema))
    method = fields.Nested(PublicMethodSchema)
    refreshed_at = fields.DateTime(attribute="figures.refreshed_at", allow_none=True)
    published_to = month_field(
        attribute="figures.published_to",
        allow_none=True,
        metadata={
            "description": "The last month published (the last whole month at the nightly"
            " rebuild); later months are left out. null: nothing published yet"
        },
    )
    notice = fields.Method(
        "_notice",
        metadata={"type": "string", "nullable": True, "description": "Why months are missing"},
    )

    def _notice(self, report) -> str | None:
        return notice(report.figures)


def notice(figures: public_figures.AreaFigures, month=lambda m: m.strftime(MONTH)) -> str | None:
    """Say plainly why asked months are missing: nothing published yet, or months left out
    (`month` writes a month: "YYYY-MM" here, the month's name on the page)."""
    if figures.published_to is None:
        return _(
            "Figures not published yet: the first publication is tonight at 00:07 (Bangkok)"
            " — or run `ecolife refresh-public-figures`."
        )
    if figures.cut_short:
        return _(
            "Figures are published up to %(month)s (the last whole month); the months after it"
            " are left out.",
            month=month(figures.published_to),
        )
    return None


@bp.route("/impact")
@bp.arguments(PublicImpactArgs, location="query")
@bp.response(200, PublicImpactSchema)
def public_impact(args):
    """Plastic avoided, residents and points by month in an area (the province by default),
    its sub-areas ranked, its shops, participation and the method. Whole months only, up to
    the last one published (`published_to`): later months are left out, and `notice` says so
    (and, before the first nightly publication, that nothing is published yet); a `from`
    after it is a 422."""
    return public_figures.public_report(args.get("area"), args.get("from_"), args.get("to"))
