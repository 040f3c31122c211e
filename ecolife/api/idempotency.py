"""The Idempotency-Key request header."""

from flask import request

from ecolife.errors import IdempotencyKeyRequired, ValidationFailed

HEADER = "Idempotency-Key"
DOC = {
    "parameters": [
        {
            "in": "header",
            "name": HEADER,
            "required": True,
            "description": "A fresh random value per intended action (≤ 64 characters); "
            "resend the same one when retrying.",
            "schema": {
                "type": "string",
                "minLength": 1,
                "maxLength": 64,
                # Printable ASCII, no space at either end (HTTP would trim it).
                "pattern": "^[!-~]([ -~]{0,62}[!-~])?$",
            },
        }
    ]
}


def idempotency_key() -> str:
    """Return this request's Idempotency-Key, refusing a missing or malformed one."""
    key = request.headers.get(HEADER, "").strip()
    if not key:
        raise IdempotencyKeyRequired()
    if len(key) > 64 or not (key.isascii() and key.isprintable()):
        raise ValidationFailed({HEADER: ["Use 1 to 64 printable ASCII characters."]})
    return key
