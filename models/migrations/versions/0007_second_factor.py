"""Second factor (TOTP) for accounts: secret, pending enrolment, last accepted step, recovery codes, and
sessions that wait for the second factor.

Revision ID: 0007
Revises: 0006 (the lead re-chains at merge)
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("user") as batch:
        batch.add_column(sa.Column("totp_required", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("totp_secret", sa.String(64), nullable=True))
        batch.add_column(sa.Column("totp_pending_secret", sa.String(64), nullable=True))
        batch.add_column(sa.Column("totp_enabled_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("totp_last_step", sa.BigInteger(), nullable=True))
    with op.batch_alter_table("usersession") as batch:
        batch.add_column(sa.Column("second_factor_pending", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "recoverycode",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("user.id"), nullable=False),
        sa.Column("code_hash", sa.String(200), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_recoverycode_user_id", "recoverycode", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_recoverycode_user_id", "recoverycode")
    op.drop_table("recoverycode")
    with op.batch_alter_table("usersession") as batch:
        batch.drop_column("second_factor_pending")
    with op.batch_alter_table("user") as batch:
        for column in ("totp_last_step", "totp_enabled_at", "totp_pending_secret", "totp_secret", "totp_required"):
            batch.drop_column(column)
