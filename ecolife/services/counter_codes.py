"""What staff and residents do with a one-time code besides scanning its QR: cancel it, or
type its short form."""

import re

from sqlalchemy import bindparam, select, update

from ecolife import clock
from ecolife.database import read_alone
from ecolife.extensions import db
from ecolife.models import EarningCode
from ecolife.security import CODE_ALPHABET, typed_code
from ecolife.services.earning import get_code

SHORT_CODE_LENGTH = 8
_SHORT_CODE = re.compile(f"[{CODE_ALPHABET}]{{{SHORT_CODE_LENGTH}}}")
_TOKEN_OF_SHORT_CODE = select(EarningCode.token).where(
    EarningCode.short_code == bindparam("short_code")
)


def cancel_code(shop_id: int, code_id: int) -> bool:
    """Cancel one of the shop's waiting codes; say whether it was still waiting.

    A scan of a cancelled code is refused with code_cancelled.
    """
    get_code(shop_id, code_id)
    now = clock.now()
    # Conditional, so a resident's claim and the cancel cannot both win.
    cancelled = db.session.execute(
        update(EarningCode)
        .where(
            EarningCode.id == code_id,
            EarningCode.used_at.is_(None),
            EarningCode.cancelled_at.is_(None),
            EarningCode.expires_at > now,
        )
        .values(cancelled_at=now)
        .returning(EarningCode.id)
    ).first()
    db.session.commit()
    return cancelled is not None


def short_code_form(short_code: str) -> str:
    """Show a short code as staff read it out: "ABCD EFGH"."""
    half = SHORT_CODE_LENGTH // 2
    return f"{short_code[:half]} {short_code[half:]}"


def token_for(text: str) -> str:
    """Return what to scan for what a resident typed or a camera read: the counter code's
    token when `text` is a short code ("abcd efgh" counts), else `text` unchanged.

    A scan's hot path then never looks at short codes: only text that looks like one costs
    this one indexed read. An unknown short code stays as typed, which no scan accepts.
    """
    short_code = typed_code(text)
    if not _SHORT_CODE.fullmatch(short_code):
        return text
    rows = read_alone(_TOKEN_OF_SHORT_CODE, {"short_code": short_code})
    return rows[0].token if rows else text
