"""Thailand's administrative areas, and what the programme records about them.

Province (จังหวัด, 2-digit code) → district (อำเภอ, 4 digits) → sub-district (ตำบล, 6 digits),
with the Department of Provincial Administration's codes. A village (หมู่ที่ N) is a number
within a sub-district, not a row of its own.
"""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ecolife.extensions import db
from ecolife.orm import utcnow


class AreaLevel(StrEnum):
    PROVINCE = "province"
    AMPHOE = "amphoe"
    TAMBON = "tambon"


# The length of an official code at each level.
CODE_LENGTH = {AreaLevel.PROVINCE: 2, AreaLevel.AMPHOE: 4, AreaLevel.TAMBON: 6}


class Area(db.Model):
    __tablename__ = "areas"
    __table_args__ = (
        CheckConstraint("level IN ('province', 'amphoe', 'tambon')", name="level_known"),
        CheckConstraint(
            "length(code) = CASE level WHEN 'province' THEN 2 WHEN 'amphoe' THEN 4 ELSE 6 END"
            " AND code ~ '^[0-9]+$'",
            name="code_fits_level",
        ),
        CheckConstraint(
            "(level = 'province') = (parent_code IS NULL)", name="parent_unless_province"
        ),
        CheckConstraint(
            "parent_code IS NULL OR (length(parent_code) = length(code) - 2"
            " AND left(code, length(parent_code)) = parent_code)",
            name="code_extends_parent",
        ),
        # Lets a shop's (tambon, district) pair reference one row, so they can't disagree.
        UniqueConstraint("code", "parent_code", name="uq_areas_code_parent"),
    )

    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    level: Mapped[str] = mapped_column(String(8))
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("areas.code"), index=True)
    name_th: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    lat: Mapped[float | None]
    lon: Mapped[float | None]

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_th


class ParticipationTarget(db.Model):
    """The households of a sub-district (or of one village in it) and the share to reach."""

    __tablename__ = "participation_targets"
    __table_args__ = (
        UniqueConstraint(
            "tambon_code",
            "village_no",
            name="uq_participation_targets_place",
            postgresql_nulls_not_distinct=True,
        ),
        CheckConstraint("households > 0", name="households_positive"),
        CheckConstraint("target_percent BETWEEN 1 AND 100", name="target_is_percent"),
        CheckConstraint("village_no BETWEEN 1 AND 99", name="village_no_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tambon_code: Mapped[str] = mapped_column(ForeignKey("areas.code"), index=True)
    # None: the whole sub-district.
    village_no: Mapped[int | None] = mapped_column(SmallInteger)
    households: Mapped[int]
    target_percent: Mapped[int] = mapped_column(SmallInteger)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    tambon = relationship(Area, lazy="joined", innerjoin=True)


class Declaration(db.Model):
    """An area declared, e.g. "ตำบลลดพลาสติก", once it reached its target; shown publicly."""

    __tablename__ = "area_declarations"
    __table_args__ = (CheckConstraint("village_no BETWEEN 1 AND 99", name="village_no_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    area_code: Mapped[str] = mapped_column(ForeignKey("areas.code"), index=True)
    village_no: Mapped[int | None] = mapped_column(SmallInteger)
    title: Mapped[str] = mapped_column(String(200))
    declared_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    area = relationship(Area, lazy="joined", innerjoin=True)
