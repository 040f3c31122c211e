"""A use case's statements and the end of its transaction."""

from sqlalchemy import BindParameter, bindparam
from sqlalchemy.types import TypeEngine

from ecolife.extensions import db

# Parameters of the prebuilt write statements carry this prefix: SQLAlchemy would take an
# execution parameter named like a column of an UPDATE's or INSERT's table (e.g. shop_id
# for users) as a value to write there.
PREFIX = "v_"


def value(name: str, type_: TypeEngine | None = None) -> BindParameter:
    """A parameter of a prebuilt write statement."""
    return bindparam(PREFIX + name, type_=type_)


def values(**given) -> dict:
    """The execution parameters of a prebuilt write statement."""
    return {PREFIX + name: item for name, item in given.items()}


def commit_keeping_loaded() -> None:
    """Commit, keeping the loaded objects readable without a reload.

    A use case loads its answer inside its transaction (after its writes); expiring it at
    commit would cost a new transaction just to read back what was already read.
    """
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True
