"""pairings can be ended (unpair); the latest desktop snapshot of an attempt by index

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 17:05:00.000000
"""
from alembic import op
import sqlalchemy as sa
import server.domain.database


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('pairings', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('ended_at', server.domain.database.UTCDateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table('snapshots', schema=None) as batch_op:
        batch_op.create_index(
            'ix_snapshots_attempt_source_created',
            ['attempt_id', 'source', 'created_at'],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table('snapshots', schema=None) as batch_op:
        batch_op.drop_index('ix_snapshots_attempt_source_created')
    with op.batch_alter_table('pairings', schema=None) as batch_op:
        batch_op.drop_column('ended_at')
