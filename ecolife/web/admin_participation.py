"""The admin console's participation page: households, targets, progress, declarations."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from ecolife.api.admin_areas import DeclarationCreateSchema, TargetSchema
from ecolife.api.problems import PROBLEMS
from ecolife.errors import DeclarationExists, TargetNotReached
from ecolife.extensions import db
from ecolife.models import Role
from ecolife.services import participation
from ecolife.web.forms import submit
from ecolife.web.session import console_required, console_scope, console_user

bp = Blueprint("admin_participation", __name__, url_prefix="/admin/participation")
admin_required = console_required(Role.ADMIN)


@bp.get("/")
@admin_required
def index():
    return _page()


@bp.post("/targets")
@admin_required
def set_target():
    saved, errors = submit(
        TargetSchema(),
        request.form,
        lambda d: participation.set_target(console_scope(), d, actor_id=console_user().id),
    )
    if saved is None:
        return _page(target_errors=errors, target_values=request.form), 422
    flash(_("Households and target saved for %(place)s.", place=_place(saved)))
    return redirect(url_for(".index", area=request.args.get("area")))


@bp.route("/targets/<int:target_id>/delete", methods=["GET", "POST"])
@admin_required
def delete_target(target_id: int):
    """Ask first (GET), then remove the target (POST)."""
    row = participation.find_target(console_scope(), target_id)
    if request.method == "GET":
        return render_template("admin/participation_delete.html", row=row, errors={})
    participation.delete_target(console_scope(), target_id)
    flash(_("The target of %(place)s is removed.", place=_place(row)))
    return redirect(url_for(".index"))


@bp.post("/declarations")
@admin_required
def record_declaration():
    try:
        saved, errors = submit(
            DeclarationCreateSchema(),
            request.form,
            lambda d: participation.record_declaration(
                console_scope(), d, actor_id=console_user().id
            ),
        )
    except (TargetNotReached, DeclarationExists) as refused:
        db.session.rollback()
        _status, _title, detail = PROBLEMS[refused.code]
        return _page(declaration_refused=_(str(detail), **refused.params)), 409
    if saved is None:
        return _page(declaration_errors=errors, declaration_values=request.form), 422
    flash(_("Declaration recorded: %(title)s.", title=saved.title))
    return redirect(url_for(".index", area=request.args.get("area")))


@bp.route("/declarations/<int:declaration_id>/delete", methods=["GET", "POST"])
@admin_required
def delete_declaration(declaration_id: int):
    """Ask first (GET), then remove the declaration (POST)."""
    declaration = participation.find_declaration(console_scope(), declaration_id)
    if request.method == "GET":
        return render_template("admin/declaration_delete.html", declaration=declaration, errors={})
    title = declaration.title
    participation.delete_declaration(console_scope(), declaration_id)
    flash(_("The declaration %(title)s is removed.", title=title))
    return redirect(url_for(".index"))


def _page(**forms):
    scope = console_scope()
    area = participation.scoped_area(scope, request.args.get("area") or None)
    rows = participation.participation(area)
    return render_template(
        "admin/participation.html",
        area=area,
        districts=_districts(rows),
        declarable=participation.declarable(rows),
        tambons=participation.tambons_in(scope.area_code),
        declarations=participation.declarations(area),
        target_errors=forms.get("target_errors", {}),
        target_values=forms.get("target_values") or {"target_percent": 80},
        declaration_errors=forms.get("declaration_errors", {}),
        declaration_values=forms.get("declaration_values", {}),
        declaration_refused=forms.get("declaration_refused"),
    )


def _districts(rows: list[participation.ParticipationRow]) -> list[tuple]:
    """Group rows: [(district row, [(tambon code, [rows of the sub-district])])]."""
    grouped: dict[str, dict[str, list]] = {}
    for row in rows:
        grouped.setdefault(row.district_code, {}).setdefault(row.tambon_code, []).append(row)
    return [
        (next(iter(tambons.values()))[0], list(tambons.items())) for tambons in grouped.values()
    ]


def _place(row: participation.ParticipationRow) -> str:
    locale = str(get_locale())
    if row.village_no is None:
        return row.tambon_name(locale)
    return f"{row.tambon_name(locale)} · {_('Village %(no)s', no=row.village_no)}"
