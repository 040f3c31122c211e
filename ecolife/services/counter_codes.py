"""What staff do with a one-time code once it is on the counter screen: cancel it."""

from sqlalchemy import update

from ecolife import clock
from ecolife.extensions import db
from ecolife.models import EarningCode
from ecolife.services.earning import get_code


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
