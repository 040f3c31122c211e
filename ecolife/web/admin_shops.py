"""The admin console's shop pages: list, add, edit, suspend, rotate QR, posters, CSV import."""


from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ecolife.api.files import poster_file, private_file
from ecolife.api.schemas import ShopCreateSchema, ShopUpdateSchema
from ecolife.errors import ValidationFailed
from ecolife.models import Role, Shop
from ecolife.pagination import Page
from ecolife.services import areas, jobs, password_reset, shop_qr, shops
from ecolife.shop_csv import COLUMNS, NOT_UTF8, NUL_CHARACTER
from ecolife.web.forms import submit, translate_errors
from ecolife.web.schemas import search_args
from ecolife.web.session import console_required, console_scope, console_user

bp = Blueprint("admin_shops", __name__, url_prefix="/admin/shops")
admin_required = console_required(Role.ADMIN)
EDITABLE = shops.SHOP_FIELDS
# The CSV parser's own messages, as people should read them.
CSV_MESSAGES = {
    NUL_CHARACTER: _l("Contains a NUL character. Save the file as CSV in UTF-8 and try again."),
    NOT_UTF8: _l(
        "Contains bytes that are not UTF-8 text, so EcoLife cannot read them. "
        "Save the file as CSV in UTF-8 and try again."
    ),
}


# Where a problem lies, when it is not a line of the file.
PLACES = {"file": _l("File"), "header": _l("Header row"), "job": _l("Job")}


@bp.get("/")
@admin_required
def index():
    args, error = search_args(request.args)
    if error:
        empty = Page(items=[], next_cursor=None)
        return render_template("admin/shops.html", page=empty, q=args["q"], error=error), 422
    page = shops.list_shops(
        limit=50,
        cursor=args["after"],
        include_inactive=True,
        search=args["q"],
        scope=console_scope(),
    )
    return render_template("admin/shops.html", page=page, q=args["q"])


@bp.route("/new", methods=["GET", "POST"])
@admin_required
def new():
    errors = {}
    if request.method == "POST":
        created, errors = submit(
            ShopCreateSchema(),
            request.form,
            lambda d: shops.create_shop(d, d.pop("owner"), scope=console_scope()),
        )
        if created is not None:
            return render_template("admin/shop_created.html", created=[created])
    return _form("admin/shop_new.html", None, request.form, errors)


@bp.route("/<int:shop_id>", methods=["GET", "POST"])
@admin_required
def edit(shop_id: int):
    shop = shops.get_shop(shop_id, include_inactive=True, scope=console_scope())
    values, errors = (request.form if request.method == "POST" else _values(shop)), {}
    if request.method == "POST":
        saved, errors = submit(
            ShopUpdateSchema(),
            request.form,
            lambda d: shops.update_shop(shop_id, d, scope=console_scope()),
            required=("name", "district"),
        )
        if saved is not None:
            flash(_("Shop saved."))
            return redirect(url_for(".edit", shop_id=shop_id))
    return _form("admin/shop_edit.html", shop, values, errors)


@bp.route("/<int:shop_id>/suspend", methods=["GET", "POST"])
@admin_required
def suspend(shop_id: int):
    """Ask first (GET), then suspend (POST): the shop's QR codes stop crediting points."""
    shop = shops.get_shop(shop_id, include_inactive=True, scope=console_scope())
    if not shop.active:
        return redirect(url_for(".edit", shop_id=shop_id))
    if request.method == "GET":
        return render_template("admin/shop_suspend.html", shop=shop, errors={})
    shops.update_shop(shop_id, {"active": False}, scope=console_scope())
    flash(_("The shop is suspended."))
    return redirect(url_for(".edit", shop_id=shop_id))


@bp.post("/<int:shop_id>/reinstate")
@admin_required
def reinstate(shop_id: int):
    shops.update_shop(shop_id, {"active": True}, scope=console_scope())
    flash(_("The shop takes part again."))
    return redirect(url_for(".edit", shop_id=shop_id))


@bp.route("/<int:shop_id>/rotate-qr", methods=["GET", "POST"])
@admin_required
def rotate_qr(shop_id: int):
    """Ask first (GET), then replace the QR (POST): the printed posters stop working."""
    shop = shops.get_shop(shop_id, include_inactive=True, scope=console_scope())
    if request.method == "GET":
        return render_template("admin/shop_rotate_qr.html", shop=shop, errors={})
    shop_qr.rotate_shop_qr(shop_id, scope=console_scope())
    flash(_("The shop has a new QR code. Print the new poster: the old one no longer works."))
    return redirect(url_for(".edit", shop_id=shop_id))


@bp.get("/<int:shop_id>/qr.png")
@admin_required
def qr_png(shop_id: int):
    png = shop_qr.shop_qr_png(shop_id, scope=console_scope())
    return private_file(png, "image/png", f"shop-{shop_id}-qr.png")


@bp.get("/<int:shop_id>/poster.<any(png, pdf):fmt>")
@admin_required
def poster(shop_id: int, fmt: str):
    return poster_file(shop_qr.shop_poster(shop_id, fmt, scope=console_scope()), fmt, shop_id)


@bp.post("/posters.zip")
@admin_required
def all_posters():
    """Queue the ZIP of every poster; its page shows the progress, then the download."""
    job = jobs.queue_posters_zip(console_user())
    return redirect(url_for("admin_jobs.show", job_id=job.id))


@bp.route("/import", methods=["GET", "POST"])
@admin_required
def import_csv():
    if request.method == "GET":
        return _import_page({})
    upload = request.files.get("file")
    try:
        job = jobs.queue_shop_import(console_user(), upload.read() if upload else b"")
    except ValidationFailed as exc:
        problems = problems_by_line(exc.errors)
        return _import_page(problems), 422
    # The worker parses and imports it; the job's page shows the progress, then the outcome.
    return redirect(url_for("admin_jobs.show", job_id=job.id))


@bp.get("/template.csv")
@admin_required
def csv_template():
    return Response(
        ",".join(COLUMNS) + "\n",
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="ecolife-shops.csv"'},
    )


def problems_by_line(errors: dict) -> dict[str, list[tuple[str, str]]]:
    """Say a CSV import's problems in the reader's language: {place: [(column, message)]}."""
    grouped: dict[str, list[tuple[str, str]]] = {}
    for key, messages in translate_errors(errors).items():
        where, _dot, column = key.partition(".")
        if where.startswith("line"):
            label = where.replace("line", _("Line"))
        else:
            label = str(PLACES.get(where, where))
        grouped.setdefault(label, []).extend(
            (column, str(CSV_MESSAGES.get(m, m))) for m in messages
        )
    return grouped


def _values(shop: Shop) -> dict:
    values = {name: getattr(shop, name) for name in EDITABLE if name != "district"}
    values = {k: "" if v is None else str(v) for k, v in values.items()}
    values["tambon_code"] = shop.tambon_code or ""
    return values


def _form(template: str, shop: Shop | None, values, errors):
    """The shop form, offering the sub-districts (grouped by district) the admin manages."""
    # The shop's staff, with the buttons that re-send an invite or reset a password.
    staff = password_reset.shop_staff(shop.id, scope=console_scope()) if shop else []
    return render_template(
        template, shop=shop, values=values, errors=errors, tambon_groups=_tambon_groups(),
        staff=staff,
    ), 422 if errors else 200


def _import_page(problems: dict) -> str:
    """The CSV import page: the columns, the sub-districts' codes, the problems if any."""
    return render_template(
        "admin/shop_import.html", problems=problems, columns=COLUMNS, tambon_groups=_tambon_groups()
    )


def _tambon_groups() -> list:
    """The sub-districts the signed-in admin manages, grouped by district."""
    scope = console_scope()
    groups = [
        (district, [t for t in tambons if scope.covers(t.code)])
        for district, tambons in areas.tambons_by_district()
    ]
    return [(district, tambons) for district, tambons in groups if tambons]
