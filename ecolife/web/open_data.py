"""/open-data/: the published monthly figures as CSV and JSON, and their catalogue entry."""

from flask import Blueprint, current_app, jsonify, render_template, url_for

from ecolife.services import open_data
from ecolife.services.public_figures import MIN_RESIDENTS
from ecolife.web.admin_reports import _csv as csv_response

bp = Blueprint("open_data", __name__, url_prefix="/open-data")
FORMATS = {"csv": "text/csv", "json": "application/json"}
# The files change once a night: let browsers and proxies keep them for an hour.
MAX_AGE = 3600


@bp.after_request
def cacheable(response):
    if response.status_code == 200:
        response.cache_control.public = True
        response.cache_control.max_age = MAX_AGE
    return response


@bp.get("/")
def index():
    return render_template(
        "open_data.html",
        datasets=open_data.DATASETS,
        licence=_licence(),
        contact=_contact(),
        min_residents=MIN_RESIDENTS,
    )


@bp.get("/<any('impact-monthly-by-tambon', 'impact-monthly-by-shop'):slug>.<any(csv, json):kind>")
def dataset(slug: str, kind: str):
    chosen = next(d for d in open_data.DATASETS if d.slug == slug)
    rows = open_data.rows(chosen)
    if kind == "json":
        return jsonify(dataset=slug, licence=_licence(), min_residents=MIN_RESIDENTS, rows=rows)
    header = open_data.columns(chosen, open_data.action_codes())
    # The admins' CSV writer: UTF-8 with a BOM (Excel reads Thai), formulas neutralised.
    return csv_response(f"{slug}.csv", header, _csv_rows(header, rows))


@bp.get("/catalog.json")
def catalog():
    return jsonify(
        title="EcoLife open data",
        publisher=_contact(),
        licence=_licence(),
        datasets=[_entry(d) for d in open_data.DATASETS],
    )


def _entry(dataset: open_data.Dataset) -> dict:
    """One dataset with the fields of data.go.th's catalogue (CKAN, the thai_gdc schema)."""
    contact = _contact()
    return {
        "name": dataset.slug,
        "title": dataset.title_th,
        "title_en": dataset.title_en,
        "notes": dataset.description_th,
        "notes_en": dataset.description_en,
        "data_type": "ข้อมูลสถิติ",
        "objective": ["พันธกิจหน่วยงาน", "เพื่อการให้บริการประชาชน"],
        "objective_en": "Show the public what the programme avoided, area by area.",
        "update_frequency_unit": "เดือน",
        "update_frequency_interval": 1,
        "geo_coverage": "ตำบล" if dataset is open_data.TAMBON else "พิกัด",
        "data_source": "EcoLife: สแกนและการแลกของรางวัลที่ร้านค้าที่ร่วมโครงการ"
        " (scans and redemptions at partner shops)",
        "data_format": ["CSV", "JSON"],
        "data_category": "ข้อมูลสาธารณะ",
        "data_language": ["ไทย", "อังกฤษ"],
        "license_id": current_app.config["OPEN_DATA_LICENSE"],
        "license_url": current_app.config["OPEN_DATA_LICENSE_URL"],
        "maintainer": contact["name"],
        "maintainer_email": contact["email"],
        "privacy": f"Figures describing fewer than {MIN_RESIDENTS} residents are null;"
        " the withheld column flags the rows concerned.",
        "resources": [
            {
                "name": f"{dataset.slug}.{kind}",
                "format": kind.upper(),
                "mimetype": mimetype,
                "url": url_for(".dataset", slug=dataset.slug, kind=kind, _external=True),
            }
            for kind, mimetype in FORMATS.items()
        ],
    }


def _licence() -> dict:
    config = current_app.config
    return {"title": config["OPEN_DATA_LICENSE"], "url": config["OPEN_DATA_LICENSE_URL"]}


def _contact() -> dict:
    config = current_app.config
    return {"name": config["OPEN_DATA_CONTACT_NAME"], "email": config["OPEN_DATA_CONTACT_EMAIL"]}


def _csv_rows(header: list[str], rows: list[dict]) -> list[list]:
    # An empty cell is a withheld figure; the `withheld` column says the row has one.
    return [[_plain(row[column]) for column in header] for row in rows]


def _plain(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else value
