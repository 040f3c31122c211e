"""Jobs: the admins' long work (shop import, posters ZIP) and procrastinate's queue

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29

procrastinate's own tables and functions (its queue's machinery, none of EcoLife's rules)
go into a schema of their own, `procrastinate`, from the schema file its package ships:
the public schema keeps no functions, and the queue's connections name that schema.
"""
from alembic import op
import sqlalchemy as sa
from procrastinate.schema import SchemaManager

# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

QUEUE_SCHEMA = "procrastinate"


def upgrade():
    op.create_table('jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('progress_done', sa.Integer(), nullable=False),
    sa.Column('progress_total', sa.Integer(), nullable=True),
    sa.Column('input', sa.LargeBinary(), nullable=True),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.Column('errors', sa.JSON(), nullable=True),
    sa.CheckConstraint("kind IN ('shop_import', 'posters_zip')", name=op.f('ck_jobs_kind_known')),
    sa.CheckConstraint('progress_done >= 0 AND (progress_total IS NULL OR progress_done <= progress_total)', name=op.f('ck_jobs_progress_in_range')),
    sa.CheckConstraint("status IN ('queued', 'running', 'succeeded', 'failed')", name=op.f('ck_jobs_status_known')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_jobs_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_jobs'))
    )
    op.create_index(op.f('ix_jobs_created_by_id'), 'jobs', ['created_by_id'], unique=False)
    op.create_table('job_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['job_id'], ['jobs.id'], name=op.f('fk_job_files_job_id_jobs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_files')),
    sa.UniqueConstraint('job_id', 'name', name='uq_job_files_job_name')
    )
    install_queue_schema()


def install_queue_schema():
    """Run procrastinate's schema file inside the `procrastinate` schema."""
    op.execute(sa.schema.CreateSchema(QUEUE_SCHEMA))
    bind = op.get_bind()
    previous = bind.execute(sa.text("SELECT current_setting('search_path')")).scalar_one()
    bind.execute(sa.select(sa.func.set_config('search_path', QUEUE_SCHEMA, True)))
    # The package's own file, run as it is (no parameters, so no placeholders are parsed).
    bind.connection.driver_connection.execute(SchemaManager.get_schema())
    bind.execute(sa.select(sa.func.set_config('search_path', previous, True)))


def downgrade():
    op.execute(sa.schema.DropSchema(QUEUE_SCHEMA, cascade=True))
    op.drop_table('job_files')
    op.drop_index(op.f('ix_jobs_created_by_id'), table_name='jobs')
    op.drop_table('jobs')
