"""Cookie sessions and per-user memory (issue 15): a one-time login ticket on the session row, and a
per-user preference table (the chosen plan, the import draft under review).

Revision ID: 0008
Revises: 0007 (the lead re-chains at merge)
"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("usersession") as batch:
        batch.add_column(sa.Column("ticket_hash", sa.String(64), nullable=True))
        batch.add_column(sa.Column("ticket_expires_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_usersession_ticket_hash", "usersession", ["ticket_hash"], unique=True)
    op.create_table(
        "userpreference",
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("user.id"), primary_key=True),
        sa.Column("key", sa.String(40), primary_key=True),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("userpreference")
    op.drop_index("ix_usersession_ticket_hash", "usersession")
    with op.batch_alter_table("usersession") as batch:
        batch.drop_column("ticket_expires_at")
        batch.drop_column("ticket_hash")
