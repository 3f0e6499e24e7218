"""Robot channels (kind, encrypted secret, keyword, timeout), delivery state for retries, and 签收 receipts.

Revision ID: 0006
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("notificationchannel", sa.Column("kind", sa.String(12), nullable=False, server_default="apprise"))
    op.add_column("notificationchannel", sa.Column("secret_enc", sa.Text(), nullable=True))
    op.add_column("notificationchannel", sa.Column("keyword", sa.String(40), nullable=False, server_default=""))
    op.add_column("notificationchannel", sa.Column("timeout_s", sa.Float(), nullable=True))
    op.add_column("delivery", sa.Column("body", sa.Text(), nullable=False, server_default=""))
    op.add_column("delivery", sa.Column("link", sa.String(500), nullable=True))
    op.add_column("delivery", sa.Column("retry_on", sa.Date(), nullable=True))
    op.add_column("delivery", sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_delivery_status", "delivery", ["status"])
    op.create_table(
        "receipt",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("ref_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), sa.ForeignKey("unit.id"), nullable=False),
        sa.Column("task_id", sa.Integer(), sa.ForeignKey("task.id"), nullable=True),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("signed_by", sa.Integer(), sa.ForeignKey("user.id"), nullable=True),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("overdue_on", sa.Date(), nullable=True),
        sa.UniqueConstraint("kind", "ref_id", "unit_id"),
    )
    for col in ("ref_id", "unit_id", "task_id", "opened_on"):
        op.create_index(f"ix_receipt_{col}", "receipt", [col])


def downgrade() -> None:
    op.drop_table("receipt")
    op.drop_index("ix_delivery_status", "delivery")
    for col in ("sent_at", "retry_on", "link", "body"):
        op.drop_column("delivery", col)
    for col in ("timeout_s", "keyword", "secret_enc", "kind"):
        op.drop_column("notificationchannel", col)
