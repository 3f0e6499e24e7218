"""Province scale: materialised ranking sums per plan, unit and day, and indexes for unit-scoped reads.

Revision ID: 0009
Revises: 0007 (the lead re-chains at merge)
"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "unitscore",
        sa.Column("plan_id", sa.Integer(), sa.ForeignKey("plan.id"), primary_key=True),
        sa.Column("as_of", sa.Date(), primary_key=True),
        sa.Column("unit_id", sa.Integer(), sa.ForeignKey("unit.id"), primary_key=True),
        sa.Column("task_count", sa.Integer(), nullable=False),
        sa.Column("lead_total", sa.Integer(), nullable=False),
        sa.Column("lead_done", sa.Integer(), nullable=False),
        sa.Column("overdue", sa.Integer(), nullable=False),
        sa.Column("due_w", sa.Float(), nullable=False),
        sa.Column("on_time_w", sa.Float(), nullable=False),
        sa.Column("late_done_w", sa.Float(), nullable=False),
    )
    op.create_index("ix_unitscore_as_of_unit", "unitscore", ["as_of", "unit_id"])
    op.create_table(
        "scoresnapshot",
        sa.Column("plan_id", sa.Integer(), sa.ForeignKey("plan.id"), primary_key=True),
        sa.Column("as_of", sa.Date(), primary_key=True),
    )
    op.create_index("ix_scoresnapshot_as_of", "scoresnapshot", ["as_of"])
    op.create_index("ix_handover_from_unit_id", "handover", ["from_unit_id"])
    op.create_index("ix_handover_to_unit_id", "handover", ["to_unit_id"])


def downgrade() -> None:
    op.drop_index("ix_handover_to_unit_id", "handover")
    op.drop_index("ix_handover_from_unit_id", "handover")
    op.drop_index("ix_scoresnapshot_as_of", "scoresnapshot")
    op.drop_table("scoresnapshot")
    op.drop_index("ix_unitscore_as_of_unit", "unitscore")
    op.drop_table("unitscore")
