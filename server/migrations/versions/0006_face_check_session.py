"""a face check records the login session that sent it (a pass admits only that session)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 17:20:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable, no default: the checks passed before this admit no session (their candidates
    # pass a new one, as on another computer).
    with op.batch_alter_table('face_checks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_id', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('face_checks', schema=None) as batch_op:
        batch_op.drop_column('session_id')
