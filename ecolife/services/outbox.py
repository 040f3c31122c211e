"""The outbox: every message EcoLife sends (reset codes, invites) goes out through here.

`send` writes the message and queues its delivery in the caller's transaction, so a message
leaves exactly when the change that sends it is committed. The worker delivers it in three
steps: it claims the message in one short transaction (a try counted, a claim that lapses
after CLAIM), sends it with no transaction open and no row locked, then records the result.
Any error of a sender is a failed try: recorded (without the address or the text), and the
job is run again 1, 2, 4, 8… minutes later (procrastinate's retry), up to OUTBOX_MAX_ATTEMPTS
tries. A message of an erased account is deleted unsent; one past its expiry (a reset code's)
is given up unsent. `sweep` (every few minutes) re-queues the messages whose worker died and
gives up those out of tries.
Senders are chosen per channel by the settings: SMTP for e-mail when SMTP_HOST is set, the
HTTP gateway for SMS when SMS_GATEWAY_URL is set, Web Push when VAPID_PRIVATE_KEY is set, the
LINE Messaging API when LINE_CHANNEL_ACCESS_TOKEN is set, else the folder OUTBOX_DIR
(development). A sender raising Undeliverable (a push subscription gone) ends the message.
"""

import base64
import json
import logging
import re
import smtplib
import ssl
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

from flask import current_app
from sqlalchemy import and_, or_, select, update

from ecolife import clock, rules
from ecolife.extensions import db
from ecolife.models import Channel, OutboxMessage, User

log = logging.getLogger(__name__)

# Seconds a sender waits for the mail server or the SMS gateway.
TIMEOUT = 10
FIRST_RETRY = timedelta(minutes=1)
# How long a worker's claim on a message holds (a send takes at most a few TIMEOUTs).
CLAIM = timedelta(minutes=2)
# A due message is taken up to this early (the worker's and the database's clocks differ).
SLACK = timedelta(seconds=5)
# A message overdue by this much was lost with its worker: the sweep queues it again.
OVERDUE = timedelta(minutes=5)

# What an error text must not carry into the log or the table: addresses, phone numbers, codes.
_ADDRESS = re.compile(r"[^\s<>\"']+@[^\s<>\"']+")
_NUMBER = re.compile(r"\+?\d[\d\- ]{4,}\d")


class DeliveryFailed(Exception):
    """The channel's server refused the message or could not be reached (tried again later)."""


class Undeliverable(Exception):
    """The address is gone for good (an expired push subscription): no further try."""


class TryAgainLater(Exception):
    """A try failed and was recorded; the delivery job should run again at `at`."""

    def __init__(self, message_id: int, at: datetime):
        super().__init__(f"outbox message {message_id}: next try at {at.isoformat()}")
        self.at = at


@dataclass(frozen=True)
class Outgoing:
    """What a sender needs of a claimed message (read before the transaction ends)."""

    id: int
    channel: str
    to: str
    subject: str | None
    body: str
    created_at: datetime
    # Whose message it is: a sender checks the address still belongs to them.
    user_id: int | None = None


def send(
    *,
    channel: str,
    to: str,
    body: str,
    subject: str | None = None,
    user_id: int | None = None,
    expires_at: datetime | None = None,
    not_before: datetime | None = None,
) -> OutboxMessage:
    """Add a message and queue its delivery, in the caller's transaction (the caller commits);
    `not_before`: held until then (a notification's quiet hours)."""
    from ecolife.jobs import defer_delivery

    message = OutboxMessage(
        channel=Channel(channel),
        to=to,
        subject=subject,
        body=body,
        user_id=user_id,
        expires_at=expires_at,
        next_attempt_at=not_before,
    )
    db.session.add(message)
    db.session.flush()
    defer_delivery(message.id, not_before)
    return message


def deliver(message_id: int) -> None:
    """Try to deliver one message (in the worker); on failure record why and raise
    TryAgainLater, or give up after the last try."""
    outgoing = _claim(message_id)
    if outgoing is None:
        return
    give_up = False
    try:
        sender_for(outgoing.channel)(outgoing)
    except Exception as exc:  # noqa: BLE001 - whatever a sender raises, the try failed
        error, give_up = _redacted(exc, outgoing), isinstance(exc, Undeliverable)
    else:
        error = None
    retry_at = _record(message_id, error, give_up=give_up)
    if retry_at is not None:
        raise TryAgainLater(message_id, retry_at)


def _claim(message_id: int) -> Outgoing | None:
    """Take the message for one try, in a short transaction of its own; None when there is
    nothing to send (sent, given up, claimed by another worker, not yet due, erased, expired)."""
    now = clock.now()
    message = db.session.scalar(
        select(OutboxMessage).where(OutboxMessage.id == message_id).with_for_update()
    )
    if (
        message is None
        or message.sent_at is not None
        or message.failed_at is not None
        or (message.next_attempt_at is not None and message.next_attempt_at > now + SLACK)
    ):
        db.session.rollback()
        return None
    if message.user_id is not None and db.session.scalar(
        select(User.erased_at).where(User.id == message.user_id)
    ):
        db.session.delete(message)  # the account's personal data is gone: so is its mail
        db.session.commit()
        return None
    if message.expires_at is not None and message.expires_at <= now:
        message.failed_at, message.next_attempt_at = now, None
        message.last_error = "expired before it was sent"
        _log_given_up(message)
        db.session.commit()
        return None
    message.attempts += 1
    message.next_attempt_at = now + CLAIM
    outgoing = Outgoing(
        message.id,
        message.channel,
        message.to,
        message.subject,
        message.body,
        message.created_at,
        message.user_id,
    )
    db.session.commit()
    return outgoing


def _record(message_id: int, error: str | None, *, give_up: bool = False) -> datetime | None:
    """Record how the try went; return when to try again, if it failed and tries are left."""
    message = db.session.scalar(
        select(OutboxMessage).where(OutboxMessage.id == message_id).with_for_update()
    )
    if message is None:  # deleted meanwhile (the account was erased)
        db.session.rollback()
        return None
    if error is None:
        message.sent_at, message.next_attempt_at, message.last_error = clock.now(), None, None
    elif give_up:
        message.failed_at, message.next_attempt_at, message.last_error = clock.now(), None, error
        _log_given_up(message)
    else:
        _failed(message, error)
    retry_at = message.next_attempt_at
    db.session.commit()
    return retry_at


def _redacted(exc: Exception, outgoing: Outgoing) -> str:
    """The error's class and message, without the address, the text or anything like them."""
    text = str(exc)
    for secret in (outgoing.body, outgoing.subject, outgoing.to):
        if secret:
            text = text.replace(secret, "[…]")
    text = _NUMBER.sub("[…]", _ADDRESS.sub("[…]", text))
    return f"{type(exc).__name__}: {text}"[:500]


def _failed(message: OutboxMessage, error: str) -> None:
    message.last_error = error
    if message.attempts >= current_app.config["OUTBOX_MAX_ATTEMPTS"]:
        message.failed_at, message.next_attempt_at = clock.now(), None
        _log_given_up(message)
        return
    message.next_attempt_at = clock.now() + FIRST_RETRY * 2 ** (message.attempts - 1)
    if message.expires_at is None:  # a notification (codes and invites expire): not at night
        message.next_attempt_at = rules.quiet_hours_end(message.next_attempt_at) or (
            message.next_attempt_at
        )
    log.warning(
        "outbox message not delivered; will try again",
        extra={
            "event": "outbox_retry",
            "message_id": message.id,
            "channel": message.channel,
            "attempts": message.attempts,
            "error": message.last_error,
            "next_attempt_at": message.next_attempt_at.isoformat(),
        },
    )


def _log_given_up(message: OutboxMessage) -> None:
    log.error(
        "outbox message given up",
        extra={
            "event": "outbox_failed",
            "message_id": message.id,
            "channel": message.channel,
            "attempts": message.attempts,
            "error": message.last_error,
        },
    )


def give_up_unsent(
    channel: str,
    *,
    to: str | None = None,
    not_to: str | None = None,
    user_id: int | None = None,
    not_user_id: int | None = None,
    reason: str,
) -> int:
    """Give up the unsent messages on a channel to an address that no longer reaches their
    user (unlinked, unsubscribed, moved to another account); no commit. Returns how many."""
    if to is None and user_id is None:
        raise ValueError("give up whose messages? name the address or the user")
    stmt = update(OutboxMessage).where(
        OutboxMessage.channel == channel,
        OutboxMessage.sent_at.is_(None),
        OutboxMessage.failed_at.is_(None),
    )
    if to is not None:
        stmt = stmt.where(OutboxMessage.to == to)
    if not_to is not None:
        stmt = stmt.where(OutboxMessage.to != not_to)
    if user_id is not None:
        stmt = stmt.where(OutboxMessage.user_id == user_id)
    if not_user_id is not None:
        stmt = stmt.where(OutboxMessage.user_id != not_user_id)
    now = clock.now()
    result = db.session.execute(
        stmt.values(failed_at=now, next_attempt_at=None, last_error=reason)
    )
    return result.rowcount


def sweep() -> dict[str, int]:
    """Queue again the messages overdue by OVERDUE (their worker died, or their job was lost),
    and give up those that have had all their tries. Returns the counts."""
    from ecolife.jobs import defer_delivery

    now = clock.now()
    overdue = (
        select(OutboxMessage)
        .where(
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.failed_at.is_(None),
            or_(
                OutboxMessage.next_attempt_at < now - OVERDUE,
                and_(
                    OutboxMessage.next_attempt_at.is_(None),
                    OutboxMessage.created_at < now - OVERDUE,
                ),
            ),
        )
        .order_by(OutboxMessage.id)
        .with_for_update(skip_locked=True)
    )
    counts = {"requeued": 0, "given_up": 0}
    for message in db.session.scalars(overdue):
        if message.attempts >= current_app.config["OUTBOX_MAX_ATTEMPTS"]:
            message.failed_at, message.next_attempt_at = now, None
            message.last_error = message.last_error or "no answer from the last try"
            _log_given_up(message)
            counts["given_up"] += 1
        else:
            message.next_attempt_at = now  # due now; not swept again for OVERDUE
            defer_delivery(message.id)
            counts["requeued"] += 1
    db.session.commit()
    return counts


def sender_for(channel: str) -> Callable[[Outgoing], None]:
    """The sender the settings choose for a channel: its gateway if configured, else the folder."""
    config = current_app.config
    if channel == Channel.EMAIL and config["SMTP_HOST"]:
        return send_by_smtp
    if channel == Channel.SMS and config["SMS_GATEWAY_URL"]:
        return send_by_sms_gateway
    if channel == Channel.WEB_PUSH and config["VAPID_PRIVATE_KEY"]:
        from ecolife.services.web_push import send_web_push

        return send_web_push
    if channel == Channel.LINE and config["LINE_CHANNEL_ACCESS_TOKEN"]:
        from ecolife.services.line_messaging import send_line_message

        return send_line_message
    return write_to_folder


def write_to_folder(message: Outgoing) -> Path:
    """Write the message as a JSON file (UTF-8, Thai as it is) into OUTBOX_DIR, and log it."""
    folder = Path(current_app.config["OUTBOX_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    created = message.created_at
    content = {"to": message.to, "channel": message.channel}
    if message.subject is not None:
        content["subject"] = message.subject
    content |= {"body": message.body, "created_at": created.isoformat()}
    path = folder / f"{created:%Y%m%dT%H%M%S}-{message.id}-{message.channel}.json"
    path.write_text(json.dumps(content, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    # The body carries codes and links: shown in the log in development only.
    shown = {"body": message.body} if current_app.debug or current_app.testing else {}
    log.info(
        "outbox message written to %s",
        path,
        extra={
            "event": "outbox_file",
            "message_id": message.id,
            "channel": message.channel,
            **shown,
        },
    )
    return path


def send_by_smtp(message: Outgoing) -> None:
    """Send an e-mail through SMTP_HOST (STARTTLS and sign-in as configured)."""
    config = current_app.config
    email = EmailMessage()
    email["From"] = config["MAIL_FROM"]
    email["To"] = message.to
    email["Subject"] = message.subject or ""
    email.set_content(message.body, charset="utf-8")
    with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=TIMEOUT) as smtp:
        if config["SMTP_STARTTLS"]:
            smtp.starttls(context=ssl.create_default_context())
        if config["SMTP_USERNAME"]:
            smtp.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"] or "")
        smtp.send_message(email)


def send_by_sms_gateway(message: Outgoing) -> None:
    """POST the SMS as JSON {to, sender, message} to SMS_GATEWAY_URL; any 2xx is success."""
    config = current_app.config
    payload = {"to": message.to, "sender": config["SMS_SENDER_NAME"], "message": message.body}
    request = urllib.request.Request(
        config["SMS_GATEWAY_URL"],
        data=json.dumps(payload, ensure_ascii=False).encode("utf-8"),
        method="POST",
        headers={"Content-Type": "application/json; charset=utf-8", **_gateway_credentials()},
    )
    with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310 - https URL from settings
        if response.status // 100 != 2:
            raise DeliveryFailed(f"the SMS gateway answered {response.status}")


def _gateway_credentials() -> dict[str, str]:
    config = current_app.config
    if config["SMS_GATEWAY_TOKEN"]:
        return {"Authorization": f"Bearer {config['SMS_GATEWAY_TOKEN']}"}
    if config["SMS_GATEWAY_USERNAME"]:
        pair = f"{config['SMS_GATEWAY_USERNAME']}:{config['SMS_GATEWAY_PASSWORD'] or ''}"
        return {"Authorization": "Basic " + base64.b64encode(pair.encode()).decode()}
    return {}
