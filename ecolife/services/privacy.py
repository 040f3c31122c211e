"""PDPA: the versioned privacy notice, residents' consents, and the log of admins opening a
resident's personal data."""

from datetime import datetime, timedelta

from sqlalchemy import func, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from ecolife import clock
from ecolife.errors import NotFound, PrivacyNoticeOutdated, ValidationFailed
from ecolife.extensions import db
from ecolife.models import AccountActivity, Consent, PersonalDataAccess, PrivacyNotice, User
from ecolife.pagination import Page, paginate
from ecolife.services.scope import AdminScope

# What an admin opened (PersonalDataAccess.what).
RESIDENT_PAGE = "resident_page"
RESIDENT_SEARCH = "resident_search"
ADMIN_API = "admin_api"
# The longest notice text a version may have (each language).
MAX_NOTICE_LENGTH = 50_000
EMPTY_TEXT = "Write the notice."
# Activity is kept to the day: idle is counted in years, and most refreshes then write nothing.
ACTIVITY_GRAIN = timedelta(days=1)


def current_notice() -> PrivacyNotice:
    """Return the notice in force: the newest published version."""
    notice = db.session.scalar(select(PrivacyNotice).order_by(PrivacyNotice.version.desc()))
    if notice is None:
        raise NotFound()
    return notice


def notice_versions() -> list[PrivacyNotice]:
    """Return every published version, newest first."""
    return list(db.session.scalars(select(PrivacyNotice).order_by(PrivacyNotice.version.desc())))


def publish_notice(
    text_th: str, text_en: str, *, admin_id: int, scope: AdminScope
) -> PrivacyNotice:
    """Publish a new version of the notice (province-wide admins only); residents are asked
    to accept it the next time the app starts."""
    scope.require_province_wide()
    text_th, text_en = text_th.strip(), text_en.strip()
    errors = {
        name: [EMPTY_TEXT]
        for name, text in (("text_th", text_th), ("text_en", text_en))
        if not text
    }
    if errors:
        raise ValidationFailed(errors)
    # Two admins publishing at once: the unique version makes the second one fail, never
    # two notices with one number.
    version = (db.session.scalar(select(func.max(PrivacyNotice.version))) or 0) + 1
    notice = PrivacyNotice(
        version=version,
        text_th=text_th,
        text_en=text_en,
        published_at=clock.now(),
        published_by_id=admin_id,
    )
    db.session.add(notice)
    db.session.commit()
    return notice


def record_consent(user_id: int, version: int, now: datetime) -> datetime:
    """Record (in the caller's transaction) that the user accepted the notice `version`,
    which must be the one in force; return when they first accepted it."""
    if version != current_notice().version:
        raise PrivacyNoticeOutdated(version=current_notice().version)
    db.session.execute(
        pg_insert(Consent)
        .values(user_id=user_id, notice_version=version, accepted_at=now)
        .on_conflict_do_nothing(index_elements=[Consent.user_id, Consent.notice_version])
    )
    return db.session.scalar(
        select(Consent.accepted_at).where(
            Consent.user_id == user_id, Consent.notice_version == version
        )
    )


def accept_notice(user_id: int, version: int) -> dict:
    """Keep that the user accepted the notice in force; accepting it again changes nothing."""
    accepted_at = record_consent(user_id, version, clock.now())
    db.session.commit()
    return {"privacy_notice_version": version, "accepted_at": accepted_at}


def consents_of(user_id: int) -> list[Consent]:
    """Return the versions a user accepted, and when, oldest first."""
    return list(
        db.session.scalars(select(Consent).where(Consent.user_id == user_id).order_by(Consent.id))
    )


def log_access(admin_id: int, resident_ids: list[int], what: str) -> None:
    """Record that an admin saw these residents' personal data (phone, e-mail, name), and
    commit: the record stays even if the page fails later."""
    if resident_ids:
        now = clock.now()
        db.session.execute(
            insert(PersonalDataAccess),
            [
                {"admin_id": admin_id, "resident_id": rid, "what": what, "created_at": now}
                for rid in dict.fromkeys(resident_ids)
            ],
        )
        db.session.commit()


def access_log(
    *, limit: int, cursor: str | None, scope: AdminScope, resident_id: int | None = None
) -> Page:
    """List who opened which resident's personal data, newest first (province-wide admins
    only: the log itself names residents across the programme)."""
    scope.require_province_wide()
    stmt = select(PersonalDataAccess)
    if resident_id is not None:
        if db.session.get(User, resident_id) is None:
            raise NotFound()
        stmt = stmt.where(PersonalDataAccess.resident_id == resident_id)
    return paginate(stmt, PersonalDataAccess.id, limit=limit, cursor=cursor, newest_first=True)


def note_activity(user_id: int, now: datetime) -> None:
    """Record (in the caller's transaction) that the user signed in or refreshed a token."""
    upsert = pg_insert(AccountActivity).values(user_id=user_id, last_active_at=now)
    db.session.execute(
        upsert.on_conflict_do_update(
            index_elements=[AccountActivity.user_id],
            set_={"last_active_at": upsert.excluded.last_active_at},
            where=AccountActivity.last_active_at < now - ACTIVITY_GRAIN,
        )
    )
