"""Migration 0008 gives every resident already there a member card (so reading a card never
writes), and nobody else one."""

from datetime import UTC, datetime

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from config import TestConfig
from ecolife import create_app
from ecolife.extensions import db
from ecolife.security import CODE_ALPHABET
from tests.conftest import fresh_database, worker_database

USERS = sa.table(
    "users",
    sa.column("id", sa.Integer),
    sa.column("phone"),
    sa.column("email"),
    sa.column("display_name"),
    sa.column("role"),
    sa.column("locale"),
    sa.column("balance", sa.Integer),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("card_code"),
)


def test_existing_residents_get_distinct_card_codes():
    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = fresh_database(worker_database("ecolife_m0008"))
        SECRET_KEY = "test-secret-key-that-is-long-enough-for-hs256"

    app = create_app(Config)
    with app.app_context():
        upgrade(revision="0007")
        now = datetime(2026, 11, 1, tzinfo=UTC)
        people = [(f"+6681000000{i}", None, "resident") for i in range(3)]
        people.append((None, "admin@ecolife.test", "admin"))
        with db.engine.begin() as conn:
            conn.execute(
                sa.insert(USERS),
                [
                    {
                        "phone": phone,
                        "email": email,
                        "role": role,
                        "display_name": "คนเดิม",
                        "locale": "th",
                        "balance": 0,
                        "created_at": now,
                    }
                    for phone, email, role in people
                ],
            )
        upgrade(revision="0008")
        with db.engine.connect() as conn:
            rows = conn.execute(sa.select(USERS.c.role, USERS.c.card_code)).all()
        codes = [code for role, code in rows if role == "resident"]
        assert len(codes) == 3 and len(set(codes)) == 3
        assert all(len(code) == 12 and set(code) <= set(CODE_ALPHABET) for code in codes)
        assert [code for role, code in rows if role == "admin"] == [None]
        downgrade(revision="0007")  # and back: the migration undoes cleanly
        db.engine.dispose()
