"""The next day a report schedule opens a slot, so the daily scan reads only the schedules due.

Revision ID: 0012
Revises: 0011
"""
import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reportschedule") as batch_op:
        batch_op.add_column(sa.Column("next_opens_on", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("reportschedule") as batch_op:
        batch_op.drop_column("next_opens_on")
