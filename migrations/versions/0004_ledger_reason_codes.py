"""Ledger reasons as a code with parameters, rendered in the reader's language

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29

Entries said why they exist in English text ("bag x5", "reward 2", "redemption 1
cancelled"). Each entry now keeps `reason_code` and `reason_params`; `reason` keeps the
admin's words of an adjustment (and an old entry's text as it was written). Existing rows
get their code from that text, parsed here in Python: an adjustment stays an adjustment,
text that fits no known shape becomes a `note` shown as written.

The ledger's append-only trigger refuses every UPDATE. Filling two new columns of old
rows changes no delta, balance or reason, so this migration turns the trigger off for its
own transaction only: ALTER TABLE holds an ACCESS EXCLUSIVE lock on ledger_entries until
commit, so no other session can write (or even read) the table while the guard is off,
and the trigger is on again before the transaction ends.

Going back drops the codes: entries written since then keep an empty `reason` (the ledger
is never rewritten to make up English text for them).
"""
import re

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

BATCH = 5000
SCAN = re.compile(r"([a-z][a-z0-9_]*) x(\d+)")
REWARD = re.compile(r"reward (\d+)")
REFUND = re.compile(r"redemption (\d+) (cancelled|expired)")

ledger = sa.table(
    'ledger_entries',
    sa.column('id', sa.BigInteger),
    sa.column('kind', sa.String),
    sa.column('reason', sa.String),
    sa.column('reason_code', sa.String),
    sa.column('reason_params', postgresql.JSONB),
)


def reason_code(kind: str, reason: str) -> tuple[str, dict]:
    """Read the code and parameters out of an entry's old English reason."""
    if kind == 'adjustment':
        return 'adjustment', {}
    if kind == 'earn' and (found := SCAN.fullmatch(reason)):
        return 'scan', {'action': found[1], 'quantity': int(found[2])}
    if kind == 'redeem' and (found := REWARD.fullmatch(reason)):
        return 'reward', {'reward_id': int(found[1])}
    if kind == 'refund' and (found := REFUND.fullmatch(reason)):
        return f'redemption_{found[2]}', {'redemption_id': int(found[1])}
    return 'note', {}


def upgrade():
    op.add_column('ledger_entries', sa.Column('reason_code', sa.String(length=32), nullable=True))
    op.add_column('ledger_entries', sa.Column(
        'reason_params', postgresql.JSONB(astext_type=sa.Text()),
        server_default=sa.text("'{}'::jsonb"), nullable=False,
    ))
    op.execute('ALTER TABLE ledger_entries DISABLE TRIGGER ledger_entries_append_only')
    fill_reason_codes(op.get_bind())
    op.execute('ALTER TABLE ledger_entries ENABLE TRIGGER ledger_entries_append_only')
    op.alter_column('ledger_entries', 'reason_code', nullable=False)
    op.create_check_constraint(
        op.f('ck_ledger_entries_reason_code_known'),
        'ledger_entries',
        "reason_code IN ('scan', 'reward', 'redemption_cancelled', 'redemption_expired',"
        " 'adjustment', 'note')",
    )


def fill_reason_codes(conn) -> None:
    """Give every existing entry its code, a batch of rows at a time."""
    fill = (
        sa.update(ledger)
        .where(ledger.c.id == sa.bindparam('entry_id'))
        .values(reason_code=sa.bindparam('code'), reason_params=sa.bindparam('params'))
    )
    after = 0
    while True:
        rows = conn.execute(
            sa.select(ledger.c.id, ledger.c.kind, ledger.c.reason)
            .where(ledger.c.id > after)
            .order_by(ledger.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        batch = []
        for row in rows:
            code, params = reason_code(row.kind, row.reason)
            batch.append({'entry_id': row.id, 'code': code, 'params': params})
        conn.execute(fill, batch)
        after = rows[-1].id


def downgrade():
    op.drop_constraint(op.f('ck_ledger_entries_reason_code_known'), 'ledger_entries', type_='check')
    op.drop_column('ledger_entries', 'reason_params')
    op.drop_column('ledger_entries', 'reason_code')
