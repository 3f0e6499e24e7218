"""Operations runs carry the Prefect flow-run id that executed them (``ref``), so a client waiting on a
deployment run reads the outcome from the app database, the source of truth.

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("opsrun", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ref", sa.String(length=64), nullable=True))
        batch_op.create_index("ix_opsrun_ref", ["ref"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("opsrun", schema=None) as batch_op:
        batch_op.drop_index("ix_opsrun_ref")
        batch_op.drop_column("ref")
