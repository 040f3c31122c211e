"""The open datasets: published monthly figures per sub-district and per shop.

Rows come from public_impact_cells, so they carry the same privacy rule as /impact: a figure
describing fewer than MIN_RESIDENTS residents is null, and `withheld` flags the row.
"""

from dataclasses import dataclass

from sqlalchemy import select

from ecolife.database import replica_reads
from ecolife.models import Action, Area, PublicImpactCell, Shop


@dataclass(frozen=True)
class Dataset:
    slug: str
    title_th: str
    title_en: str
    description_th: str
    description_en: str
    # The columns that say where a row is, before the figures.
    place_columns: tuple[str, ...]


TAMBON = Dataset(
    "impact-monthly-by-tambon",
    "ปริมาณพลาสติกที่ลดได้รายเดือน แยกตามตำบล",
    "Plastic avoided per month, by sub-district",
    "จำนวนครั้งที่สแกน จำนวนชิ้นพลาสติกที่ปฏิเสธแยกตามประเภท น้ำหนักพลาสติกที่ลดได้ (กรัม)"
    " ผู้เข้าร่วมที่มีการสแกน และแต้มที่ออกและแลก ของร้านค้าในแต่ละตำบล รายเดือน",
    "Scans, items refused by kind, grams of plastic avoided, active residents and points"
    " issued and redeemed at the partner shops of each sub-district, per month.",
    ("month", "province_code", "district_code", "tambon_code", "tambon_name_th", "tambon_name_en"),
)
SHOP = Dataset(
    "impact-monthly-by-shop",
    "ปริมาณพลาสติกที่ลดได้รายเดือน แยกตามร้านค้าที่ร่วมโครงการ",
    "Plastic avoided per month, by partner shop",
    "ตัวเลขเดียวกันแยกตามร้านค้าที่ร่วมโครงการ (ร้านค้าเป็นกิจการที่เปิดต่อสาธารณะ) พร้อมพิกัดของร้าน",
    "The same figures per partner shop (shops are public businesses), with their location.",
    (
        "month",
        "shop_id",
        "shop_name_th",
        "shop_name_en",
        "district_code",
        "tambon_code",
        "lat",
        "lon",
    ),
)
DATASETS = (TAMBON, SHOP)
FIGURE_COLUMNS = (
    "scans",
    "items",
    "grams",
    "active_residents",
    "points_issued",
    "points_redeemed",
)


def action_codes() -> list[str]:
    with replica_reads() as session:
        return list(session.scalars(select(Action.code).order_by(Action.position, Action.id)))


def columns(dataset: Dataset, codes: list[str]) -> list[str]:
    """The dataset's columns: place, figures, items per kind, the privacy flag."""
    return [*dataset.place_columns, *FIGURE_COLUMNS, *(f"items_{c}" for c in codes), "withheld"]


def rows(dataset: Dataset) -> list[dict]:
    """Every published month of every sub-district (or shop) with activity, oldest first."""
    codes = action_codes()
    with replica_reads() as session:
        if dataset is TAMBON:
            stmt = (
                select(*_FIGURE_COLUMNS, Area.code, Area.parent_code, Area.name_th, Area.name_en)
                .join(Area, Area.code == PublicImpactCell.area_code)
                .where(PublicImpactCell.level == "tambon")
                .order_by(PublicImpactCell.month, Area.code)
            )
            return [_tambon_row(row, codes) for row in session.execute(stmt)]
        stmt = (
            select(
                *_FIGURE_COLUMNS,
                Shop.id,
                Shop.name,
                Shop.name_en,
                Shop.district_code,
                Shop.tambon_code,
                Shop.lat,
                Shop.lon,
            )
            .join(Shop, Shop.id == PublicImpactCell.shop_id)
            .order_by(PublicImpactCell.month, Shop.id)
        )
        return [_shop_row(row, codes) for row in session.execute(stmt)]


_FIGURE_COLUMNS = (
    PublicImpactCell.month,
    PublicImpactCell.scans,
    PublicImpactCell.items,
    PublicImpactCell.milligrams,
    PublicImpactCell.active_residents,
    PublicImpactCell.points_issued,
    PublicImpactCell.points_redeemed,
    PublicImpactCell.withheld,
)


def _tambon_row(row, codes: list[str]) -> dict:
    code, district, name_th, name_en = row[-4:]
    place = {
        "month": row.month.strftime("%Y-%m"),
        "province_code": district[:2],
        "district_code": district,
        "tambon_code": code,
        "tambon_name_th": name_th,
        "tambon_name_en": name_en,
    }
    return {**place, **_figures(row, codes)}


def _shop_row(row, codes: list[str]) -> dict:
    shop_id, name_th, name_en, district, tambon, lat, lon = row[-7:]
    place = {
        "month": row.month.strftime("%Y-%m"),
        "shop_id": shop_id,
        "shop_name_th": name_th,
        "shop_name_en": name_en,
        "district_code": district,
        "tambon_code": tambon,
        "lat": lat,
        "lon": lon,
    }
    return {**place, **_figures(row, codes)}


def _figures(cell, codes: list[str]) -> dict:
    counts = [n for n in cell.items.values() if n is not None]
    hidden = cell.scans is None
    return {
        "scans": cell.scans,
        "items": None if hidden and not counts else sum(counts),
        "grams": None if cell.milligrams is None else cell.milligrams / 1000,
        "active_residents": cell.active_residents,
        "points_issued": cell.points_issued,
        "points_redeemed": cell.points_redeemed,
        **{f"items_{code}": cell.items.get(code, 0) for code in codes},
        "withheld": cell.withheld,
    }
