"""The ledger is append-only, and every balance equals the sum of its entries."""

import pytest
from sqlalchemy import delete, text, update
from sqlalchemy.exc import DBAPIError

from ecolife.extensions import db
from ecolife.models import LedgerEntry, LedgerIsAppendOnly, User
from ecolife.services.ledger import verify_ledger
from tests.factories import scan


@pytest.fixture
def entry_id(client, app, make_resident, make_shop, shop_token):
    """A resident with one earned entry; returns the entry's id."""
    resident = make_resident()
    scan(client, resident, shop_token(make_shop()[0]))
    with app.app_context():
        return db.session.scalar(db.select(LedgerEntry.id))


def test_the_orm_refuses_to_change_an_entry(entry_id, ctx):
    entry = db.session.get(LedgerEntry, entry_id)
    entry.delta = 1000
    with pytest.raises(LedgerIsAppendOnly):
        db.session.flush()
    db.session.rollback()
    assert db.session.get(LedgerEntry, entry_id).delta == 5


def test_the_orm_refuses_to_delete_an_entry(entry_id, ctx):
    db.session.delete(db.session.get(LedgerEntry, entry_id))
    with pytest.raises(LedgerIsAppendOnly):
        db.session.flush()


@pytest.mark.parametrize(
    "statement",
    [
        update(LedgerEntry).values(delta=1000),
        delete(LedgerEntry),
    ],
    ids=["bulk update", "bulk delete"],
)
def test_the_orm_refuses_bulk_changes(entry_id, ctx, statement):
    with pytest.raises(LedgerIsAppendOnly):
        db.session.execute(statement)


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE ledger_entries SET delta = 1000",
        "UPDATE ledger_entries SET reason = 'edited'",
        "DELETE FROM ledger_entries",
    ],
)
def test_the_database_refuses_raw_sql_changes(app, entry_id, sql):
    with app.app_context():
        with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
            conn.execute(text(sql))
        with db.engine.connect() as conn:
            assert conn.execute(
                text("SELECT delta, reason_code, reason_params FROM ledger_entries")
            ).one() == (5, "scan", {"action": "bag", "quantity": 1})


def test_postgres_refuses_changes_even_outside_the_app(app, entry_id):
    import psycopg

    url = app.config["SQLALCHEMY_DATABASE_URI"].replace("postgresql+psycopg", "postgresql")
    with psycopg.connect(url) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("UPDATE ledger_entries SET delta = delta + 1")
        conn.rollback()
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("DELETE FROM ledger_entries")


def test_verify_ledger_passes_when_balances_match(entry_id, ctx):
    assert verify_ledger() == []


@pytest.mark.ledger_tampered
def test_verify_ledger_reports_a_tampered_balance(entry_id, ctx):
    user_id = db.session.get(LedgerEntry, entry_id).user_id
    db.session.execute(update(User).where(User.id == user_id).values(balance=999))
    db.session.commit()
    problems = verify_ledger()
    assert [p.user_id for p in problems] == [user_id]
    assert "999" in problems[0].problem


def test_corrections_are_new_entries(entry_id, ctx):
    from ecolife import clock
    from ecolife.services.ledger import post_entry

    user_id = db.session.get(LedgerEntry, entry_id).user_id
    post_entry(user_id, -5, kind="adjustment", reason="duplicate scan reversed", now=clock.now())
    db.session.commit()
    assert db.session.get(User, user_id).balance == 0
    assert verify_ledger() == []


def test_a_balance_never_goes_below_zero(entry_id, ctx):
    from ecolife import clock
    from ecolife.errors import InsufficientPoints
    from ecolife.services.ledger import post_entry

    user_id = db.session.get(LedgerEntry, entry_id).user_id
    with pytest.raises(InsufficientPoints):
        post_entry(user_id, -6, kind="adjustment", reason="too much", now=clock.now())
    db.session.rollback()
    assert db.session.get(User, user_id).balance == 5
