"""A shop's QR code and printable poster, and rotating a leaked code."""

import re
import unicodedata
from typing import Literal

from sqlalchemy import select

from ecolife.extensions import db
from ecolife.links import qr_link
from ecolife.models import Shop
from ecolife.posters import PosterInfo, poster_png
from ecolife.posters_pdf import poster_pdf
from ecolife.qr import qr_png
from ecolife.security import random_token
from ecolife.services.scope import PROVINCE_WIDE, AdminScope
from ecolife.services.shops import get_shop

PosterFormat = Literal["png", "pdf"]
RENDERERS = {"png": poster_png, "pdf": poster_pdf}


def rotate_shop_qr(shop_id: int, *, scope: AdminScope = PROVINCE_WIDE) -> Shop:
    """Give the shop a new QR token; the old poster stops working at once."""
    shop = get_shop(shop_id, include_inactive=True, scope=scope)
    shop.qr_token = random_token()
    db.session.commit()
    return shop


def poster_info(shop: Shop) -> PosterInfo:
    """Say what the shop's poster shows."""
    return PosterInfo(
        name_th=shop.name,
        name_en=shop.name_en,
        district_th=shop.district.name_th,
        url=qr_link(shop.qr_token),
    )


def shop_poster(shop_id: int, fmt: PosterFormat, *, scope: AdminScope = PROVINCE_WIDE) -> bytes:
    """Render the shop's poster as "png" or "pdf"."""
    return render_poster(get_shop(shop_id, include_inactive=True, scope=scope), fmt)


def render_poster(shop: Shop, fmt: PosterFormat) -> bytes:
    """Render the poster of a shop already loaded (bulk printing reads each shop once)."""
    return RENDERERS[fmt](poster_info(shop))


def shop_qr_png(shop_id: int, *, scope: AdminScope = PROVINCE_WIDE) -> bytes:
    """Render the shop's bare QR code."""
    return qr_png(qr_link(get_shop(shop_id, include_inactive=True, scope=scope).qr_token))


def active_shops_for_posters(scope: AdminScope = PROVINCE_WIDE) -> list[Shop]:
    """Return the shops (in the admin's area) whose posters should be printed, in id order."""
    stmt = select(Shop).where(Shop.active.is_(True), scope.shop_clause()).order_by(Shop.id)
    return list(db.session.scalars(stmt))


def poster_filename(shop: Shop, fmt: PosterFormat) -> str:
    """Name a poster file after the shop: `shop-12-green-cafe.pdf`."""
    # Fold accents ("Café" -> "cafe") so every file name is plain ASCII on any disk.
    ascii_name = unicodedata.normalize("NFKD", shop.name_en or "").encode("ascii", "ignore")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.decode().lower())[:40].strip("-")
    return f"shop-{shop.id}-{slug}.{fmt}" if slug else f"shop-{shop.id}.{fmt}"
