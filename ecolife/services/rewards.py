"""Rewards: what shops offer for points, managed by admins and the shop's own staff."""

import io
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import or_, select

from ecolife import clock
from ecolife.errors import ImageTooLarge, InvalidImage, NotFound, ValidationFailed
from ecolife.extensions import db
from ecolife.models import Reward, Shop
from ecolife.pagination import Page, paginate
from ecolife.services.scope import PROVINCE_WIDE, AdminScope
from ecolife.services.shops import get_shop

REWARD_FIELDS = (
    "name_th",
    "name_en",
    "description_th",
    "description_en",
    "points",
    "stock",
    "per_resident_limit",
    "active",
    "active_from",
    "active_to",
)
IMAGE_SIZE = (800, 800)
IMAGE_FORMATS = {"JPEG", "PNG", "WEBP"}
# Any phone camera's photo fits, and a decoded picture stays under ~100 MB (4 bytes a pixel).
# A few KB of PNG can claim 169 megapixels, so the size is read from the header first.
MAX_IMAGE_MEGAPIXELS = 24


def create_reward(
    shop_id: int, data: dict, *, image: bytes | None = None, scope: AdminScope = PROVINCE_WIDE
) -> Reward:
    """Add a reward to a shop, with its picture if one is given."""
    picture = reencode_image(image) if image is not None else None
    shop = get_shop(shop_id, include_inactive=True, scope=scope)
    reward = Reward(shop=shop)
    _apply(reward, data)
    _set_picture(reward, picture)
    db.session.add(reward)
    db.session.commit()
    return reward


def update_reward(
    reward_id: int,
    changes: dict,
    *,
    shop_id: int | None = None,
    image: bytes | None = None,
    scope: AdminScope = PROVINCE_WIDE,
) -> Reward:
    """Edit a reward (and its picture); staff (`shop_id` given) reach their own shop's only,
    a scoped admin the rewards of shops in their area."""
    picture = reencode_image(image) if image is not None else None
    reward = get_reward(reward_id, shop_id=shop_id, scope=scope)
    _apply(reward, changes)
    _set_picture(reward, picture)
    db.session.commit()
    return reward


def get_reward(
    reward_id: int, *, shop_id: int | None = None, scope: AdminScope = PROVINCE_WIDE
) -> Reward:
    """Return a reward; another shop's answers NotFound when `shop_id` is given, and one of
    a shop outside a scoped admin's area too."""
    reward = db.session.get(Reward, reward_id)
    if reward is None or (shop_id is not None and reward.shop_id != shop_id):
        raise NotFound()
    if not scope.province_wide:
        get_shop(reward.shop_id, include_inactive=True, scope=scope)
    return reward


def get_available_reward(reward_id: int) -> Reward:
    """Return a reward residents can see now."""
    reward = db.session.get(Reward, reward_id)
    if reward is None or not reward.available_at(clock.now()):
        raise NotFound()
    return reward


def list_rewards(*, shop_id: int | None, limit: int, cursor: str | None) -> Page:
    """List the rewards residents can request now, optionally of one shop."""
    now = clock.now()
    stmt = (
        select(Reward)
        .join(Reward.shop)
        .where(
            Reward.active.is_(True),
            Shop.active.is_(True),
            or_(Reward.active_from.is_(None), Reward.active_from <= now),
            or_(Reward.active_to.is_(None), Reward.active_to > now),
        )
    )
    if shop_id is not None:
        stmt = stmt.where(Reward.shop_id == shop_id)
    return paginate(stmt, Reward.id, limit=limit, cursor=cursor)


@dataclass(frozen=True)
class ShopDetail:
    shop: Shop
    rewards: list[Reward]

    def __getattr__(self, name: str):
        return getattr(self.shop, name)


def shop_detail(shop_id: int) -> ShopDetail:
    """Return an active shop with the rewards residents can request there now."""
    shop = get_shop(shop_id)
    page = list_rewards(shop_id=shop_id, limit=100, cursor=None)
    return ShopDetail(shop, page.items)


def list_shop_rewards(
    shop_id: int, *, limit: int, cursor: str | None, scope: AdminScope = PROVINCE_WIDE
) -> Page:
    """List all of a shop's rewards for its staff or an admin, inactive ones included."""
    if not scope.province_wide:
        get_shop(shop_id, include_inactive=True, scope=scope)
    stmt = select(Reward).where(Reward.shop_id == shop_id)
    return paginate(stmt, Reward.id, limit=limit, cursor=cursor)


def set_reward_image(
    reward_id: int, data: bytes, *, shop_id: int | None = None, scope: AdminScope = PROVINCE_WIDE
) -> Reward:
    """Store a reward's picture, re-encoded as a JPEG of at most 800×800."""
    picture = reencode_image(data)
    reward = get_reward(reward_id, shop_id=shop_id, scope=scope)
    _set_picture(reward, picture)
    db.session.commit()
    return reward


def reward_image(reward_id: int) -> bytes:
    """Return a reward's stored picture."""
    image = db.session.scalar(select(Reward.image).where(Reward.id == reward_id))
    if image is None:
        raise NotFound()
    return image


def reencode_image(data: bytes) -> bytes:
    """Decode an upload fully and write a fresh JPEG, so nothing but pixels survives."""
    try:
        with Image.open(io.BytesIO(data)) as source:  # reads the header only
            if source.format not in IMAGE_FORMATS:
                raise InvalidImage()
            if source.width * source.height > MAX_IMAGE_MEGAPIXELS * 1_000_000:
                raise ImageTooLarge(megapixels=MAX_IMAGE_MEGAPIXELS)
            source.draft(None, IMAGE_SIZE)  # a JPEG decodes at 1/2 to 1/8 scale, still ≥ 800 px
            source.load()
            # Transpose in place and convert only if needed: one full-size copy at most.
            ImageOps.exif_transpose(source, in_place=True)
            image = source if source.mode == "RGB" else source.convert("RGB")
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        # Pillow's own limits, past ours, fire inside Image.open (the warning when warnings
        # are errors); nothing was decoded.
        raise ImageTooLarge(megapixels=MAX_IMAGE_MEGAPIXELS) from exc
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise InvalidImage() from exc
    image.thumbnail(IMAGE_SIZE)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85, optimize=True)
    return out.getvalue()


def _set_picture(reward: Reward, picture: bytes | None) -> None:
    if picture is not None:
        reward.image = picture
        reward.image_version = (reward.image_version or 0) + 1


def _apply(reward: Reward, data: dict) -> None:
    for name in REWARD_FIELDS:
        if name in data:
            setattr(reward, name, data[name])
    if reward.active_from and reward.active_to and reward.active_to <= reward.active_from:
        raise ValidationFailed({"active_to": ["Must be after active_from."]})
