"""Ending a use case's transaction."""

from ecolife.extensions import db


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
