"""Public URLs printed on posters and sent in invites."""

from flask import current_app


def qr_link(token: str) -> str:
    """Return the URL a shop's or a one-time code's QR encodes."""
    return f"{current_app.config['PUBLIC_BASE_URL']}/q/{token}"


def invite_link(token: str) -> str:
    """Return the link a new shop owner opens to set a password."""
    return f"{current_app.config['PUBLIC_BASE_URL']}/invite/{token}"
