"""Partner shops, each in a district (อำเภอ) and, for shops added since areas, a sub-district."""

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, ForeignKeyConstraint, String, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ecolife.extensions import db
from ecolife.models.area import Area
from ecolife.orm import utcnow


class Shop(db.Model):
    __tablename__ = "shops"
    __table_args__ = (
        # The sub-district must lie in the shop's district.
        ForeignKeyConstraint(
            ["tambon_code", "district_code"],
            ["areas.code", "areas.parent_code"],
            name="fk_shops_tambon_in_district",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str | None] = mapped_column(String(120))
    district_code: Mapped[str] = mapped_column(ForeignKey("areas.code"), index=True)
    # Required for new shops; shops from before areas may not have one yet.
    tambon_code: Mapped[str | None] = mapped_column(ForeignKey("areas.code"), index=True)
    subdistrict: Mapped[str | None] = mapped_column(String(80))
    address: Mapped[str | None] = mapped_column(String(255))
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    phone: Mapped[str | None] = mapped_column(String(16))
    # Free text as the shop says it, e.g. "ทุกวัน 8:00–17:00".
    opening_hours: Mapped[str | None] = mapped_column(String(120))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # Random and unguessable; printed on the poster. Rotating it retires the old poster.
    qr_token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    district = relationship(
        Area,
        lazy="joined",
        innerjoin=True,
        primaryjoin="Shop.district_code == Area.code",
        foreign_keys=[district_code],
    )
    tambon = relationship(
        Area,
        lazy="joined",
        primaryjoin="Shop.tambon_code == Area.code",
        foreign_keys=[tambon_code],
    )
