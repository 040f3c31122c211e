"""The daily prune deletes expired password-reset codes and old delivered outbox messages."""

from datetime import timedelta

from sqlalchemy import func, select, update

from ecolife import clock
from ecolife.extensions import db
from ecolife.models import OutboxMessage, PasswordResetCode
from ecolife.services import outbox
from ecolife.services.upkeep import prune
from tests.api.test_password_reset import work


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_expired_codes_and_old_sent_messages_are_pruned(app, client, make_resident, set_now):
    make_resident(phone="+66812345678")
    start = clock.now()
    set_now(start)
    assert (
        client.post("/api/v1/auth/password-reset", json={"login": "0812345678"}).status_code == 202
    )
    work(app)  # the worker makes the code
    with app.test_request_context():
        waiting = outbox.send(channel="sms", to="+66812345679", body="not delivered yet")
        db.session.commit()
        # The reset code's message was delivered at once; the other one never was.
        db.session.execute(
            update(OutboxMessage).where(OutboxMessage.id != waiting.id).values(sent_at=start)
        )
        db.session.commit()

        set_now(start + timedelta(minutes=10))
        assert prune()["password_reset_codes"] == 0  # still valid
        set_now(start + timedelta(minutes=16))
        pruned = prune()
        assert pruned["password_reset_codes"] == 1 and pruned["outbox_messages"] == 0
        assert count(PasswordResetCode) == 0

        set_now(start + timedelta(days=app.config["OUTBOX_KEEP_DAYS"], minutes=1))
        assert prune()["outbox_messages"] == 1
        assert list(db.session.scalars(select(OutboxMessage.body))) == ["not delivered yet"]
        db.session.remove()
