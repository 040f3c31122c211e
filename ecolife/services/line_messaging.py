"""LINE: residents link their LINE account by sending a one-time code to the programme's
Official Account; notifications then go to it with the Messaging API (line-bot-sdk v3).

LINE calls /line/webhook with each message the account receives, signed with the channel
secret (X-Line-Signature); a message whose text is a live code links its sender.
"""

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from linebot.v3 import WebhookParser
from linebot.v3.messaging import (
    ApiClient,
    ApiException,
    Configuration,
    MessagingApi,
    PushMessageRequest,
    ReplyMessageRequest,
    TextMessage,
)
from linebot.v3.webhooks import MessageEvent, TextMessageContent, UserSource
from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert

from ecolife import clock
from ecolife.errors import NotFound
from ecolife.extensions import db
from ecolife.models import DeliveryChannel, LineLink, LineLinkCode, User
from ecolife.security import CODE_ALPHABET, random_code, token_digest, typed_code
from ecolife.services.outbox import TIMEOUT, Outgoing, Undeliverable, give_up_unsent

log = logging.getLogger(__name__)

CODE_LENGTH = 8
CODE_TTL = timedelta(minutes=15)
# LINE's limit for one text message.
MAX_TEXT = 5000
# One stable retry key per outbox message: a retried push is not shown twice.
RETRY_KEYS = uuid.UUID("3f0f9c44-6a0c-4d8e-9f57-0c2b1d7e5a61")
# Why a waiting LINE message was given up (outbox last_error).
UNLINKED = "Undeliverable: the LINE account was unlinked"
MOVED = "Undeliverable: the LINE link moved"


@dataclass(frozen=True)
class LinkCode:
    code: str
    expires_at: datetime
    add_friend_url: str | None


def enabled() -> bool:
    """Whether LINE linking is on (the webhook can be verified)."""
    return bool(current_app.config["LINE_CHANNEL_SECRET"])


def start_link(user_id: int) -> LinkCode:
    """Make the user's one live link code (replacing an earlier one), valid CODE_TTL."""
    if not enabled():
        raise NotFound()
    code, expires_at = random_code(CODE_LENGTH), clock.now() + CODE_TTL
    db.session.execute(
        insert(LineLinkCode)
        .values(user_id=user_id, code_hash=token_digest(code), expires_at=expires_at)
        .on_conflict_do_update(
            index_elements=[LineLinkCode.user_id],
            set_={"code_hash": token_digest(code), "expires_at": expires_at},
        )
    )
    db.session.commit()
    return LinkCode(code, expires_at, current_app.config["LINE_ADD_FRIEND_URL"])


def unlink(user_id: int) -> None:
    """Forget the user's LINE account (and any code waiting); nothing more goes to LINE."""
    db.session.execute(delete(LineLink).where(LineLink.user_id == user_id))
    db.session.execute(delete(LineLinkCode).where(LineLinkCode.user_id == user_id))
    give_up_unsent(DeliveryChannel.LINE, user_id=user_id, reason=UNLINKED)
    db.session.commit()


def handle_webhook(body: str, signature: str) -> int:
    """Verify LINE's signature (InvalidSignatureError if wrong), link the senders of live codes
    and answer each code message; return how many accounts were linked."""
    events = WebhookParser(current_app.config["LINE_CHANNEL_SECRET"]).parse(body, signature)
    linked = 0
    for event in events:
        if not (
            isinstance(event, MessageEvent)
            and isinstance(event.message, TextMessageContent)
            and isinstance(event.source, UserSource)
        ):
            continue
        text = typed_code(event.message.text)
        if not looks_like_code(text):
            continue  # a chat message, not a code: the Official Account answers it itself
        locale = link_by_code(text, event.source.user_id)
        linked += locale is not None
        _reply(event.reply_token, locale)
    return linked


def looks_like_code(text: str) -> bool:
    """Whether a typed message could be a link code ("ขอบคุณนะ" or "Thankyou" is chat)."""
    return len(text) == CODE_LENGTH and all(c in CODE_ALPHABET for c in text)


def link_by_code(code: str, line_user_id: str) -> str | None:
    """Link the LINE user to the account whose live code this is (one use case); return that
    account's language, or None when no live code matches."""
    now = clock.now()
    user_id = db.session.execute(
        delete(LineLinkCode)
        .where(LineLinkCode.code_hash == token_digest(code), LineLinkCode.expires_at > now)
        .returning(LineLinkCode.user_id)
    ).scalar()
    if user_id is None:
        db.session.rollback()
        return None
    # A LINE account reaches one EcoLife account: linking it again moves it. Two links of one
    # LINE account at once wait for each other here, or both would insert it.
    db.session.execute(select(func.pg_advisory_xact_lock(func.hashtext(line_user_id))))
    db.session.execute(
        delete(LineLink).where(LineLink.line_user_id == line_user_id, LineLink.user_id != user_id)
    )
    # Whatever waits to go to this LINE account for someone else (or to this user's old
    # account) is theirs no more.
    give_up_unsent(DeliveryChannel.LINE, to=line_user_id, not_user_id=user_id, reason=MOVED)
    give_up_unsent(DeliveryChannel.LINE, user_id=user_id, not_to=line_user_id, reason=MOVED)
    db.session.execute(
        insert(LineLink)
        .values(user_id=user_id, line_user_id=line_user_id, linked_at=now)
        .on_conflict_do_update(
            index_elements=[LineLink.user_id], set_={"line_user_id": line_user_id, "linked_at": now}
        )
    )
    from ecolife.services.delivery import set_channel

    set_channel(user_id, DeliveryChannel.LINE, True)
    locale = db.session.scalar(select(User.locale).where(User.id == user_id))
    db.session.commit()
    return locale or "th"


def _reply(reply_token: str | None, locale: str | None) -> None:
    """Answer in the chat: linked, or the code is wrong or late (best effort: the link holds)."""
    if not reply_token or not current_app.config["LINE_CHANNEL_ACCESS_TOKEN"]:
        return
    with force_locale(locale or "th"):
        if locale is None:
            text = _("This code is wrong or has expired. Ask for a new one in the EcoLife app.")
        else:
            text = _("Your LINE account is now linked to EcoLife. Notifications will come here.")
    request = ReplyMessageRequest(reply_token=reply_token, messages=[TextMessage(text=text)])
    try:
        with _client() as client:
            MessagingApi(client).reply_message(request, _request_timeout=TIMEOUT)
    except (ApiException, OSError) as exc:
        log.warning("LINE reply not sent", extra={"event": "line_reply_failed", "error": str(exc)})


def send_line_message(message: Outgoing) -> None:
    """Push the message to the linked LINE user, with a retry key of its own (LINE answers 409
    to a retry of a push it already accepted: that is a success)."""
    linked = db.session.scalar(
        select(LineLink.user_id).where(
            LineLink.user_id == message.user_id, LineLink.line_user_id == message.to
        )
    )
    db.session.rollback()  # nothing open while LINE answers
    if linked is None:
        raise Undeliverable("the LINE account was unlinked or moved to another account")
    text = "\n".join(part for part in (message.subject, message.body) if part)[:MAX_TEXT]
    request = PushMessageRequest(to=message.to, messages=[TextMessage(text=text)])
    retry_key = str(uuid.uuid5(RETRY_KEYS, f"{message.id}:{message.created_at.isoformat()}"))
    try:
        with _client() as client:
            MessagingApi(client).push_message(
                request, x_line_retry_key=retry_key, _request_timeout=TIMEOUT
            )
    except ApiException as exc:
        if exc.status == 409:
            return
        raise ApiException(status=exc.status, reason=exc.reason) from None


def _client() -> ApiClient:
    config = current_app.config
    return ApiClient(
        Configuration(
            host=config["LINE_API_BASE"], access_token=config["LINE_CHANNEL_ACCESS_TOKEN"]
        )
    )
