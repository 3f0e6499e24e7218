"""Reporting duties (报送要求 and their slots) and indicator tasks (target, baseline, reported and audited values).

Revision ID: 0010
Revises: 0007 (the lead re-chains at merge)
"""
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reportschedule",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("plan_id", sa.Integer(), sa.ForeignKey("plan.id"), nullable=False),
        sa.Column("task_id", sa.Integer(), sa.ForeignKey("task.id"), nullable=True),
        sa.Column("frequency", sa.String(12), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=True),
        sa.Column("day", sa.Integer(), nullable=True),
        sa.Column("stages", sa.JSON(), nullable=False),
        sa.Column("remind_days", sa.Integer(), nullable=False, server_default="3"),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("source_text", sa.String(200), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False, server_default="1"),
    )
    op.create_index("ix_reportschedule_plan_id", "reportschedule", ["plan_id"])
    op.create_index("ix_reportschedule_task_id", "reportschedule", ["task_id"])
    op.create_index("ux_reportschedule_task", "reportschedule", ["task_id", "frequency"], unique=True,
                    sqlite_where=sa.text("task_id IS NOT NULL"), postgresql_where=sa.text("task_id IS NOT NULL"))
    op.create_index("ux_reportschedule_plan", "reportschedule", ["plan_id", "frequency"], unique=True,
                    sqlite_where=sa.text("task_id IS NULL"), postgresql_where=sa.text("task_id IS NULL"))
    op.create_table(
        "reportslot",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("task_id", sa.Integer(), sa.ForeignKey("task.id"), nullable=False),
        sa.Column("opens_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("frequency", sa.String(12), nullable=False),
        sa.Column("moved_from", sa.Date(), nullable=True),
        sa.Column("remind_on", sa.Date(), nullable=False),
        sa.Column("filed_on", sa.Date(), nullable=True),
        sa.Column("report_id", sa.Integer(), sa.ForeignKey("progressreport.id"), nullable=True),
        sa.Column("reminded_on", sa.Date(), nullable=True),
        sa.UniqueConstraint("task_id", "due_on"),
    )
    op.create_index("ix_reportslot_task_due_filed", "reportslot", ["task_id", "due_on", "filed_on"])
    op.create_table(
        "indicator",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("task_id", sa.Integer(), sa.ForeignKey("task.id"), nullable=False, unique=True),
        sa.Column("name", sa.String(120), nullable=False, server_default=""),
        sa.Column("target", sa.Float(), nullable=False),
        sa.Column("unit", sa.String(12), nullable=False, server_default=""),
        sa.Column("direction", sa.String(2), nullable=False, server_default="ge"),
        sa.Column("baseline", sa.Float(), nullable=True),
        sa.Column("baseline_on", sa.Date(), nullable=True),
        sa.Column("source_text", sa.String(200), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False, server_default="1"),
    )
    op.create_table(
        "indicatorvalue",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("task_id", sa.Integer(), sa.ForeignKey("task.id"), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("report_id", sa.Integer(), sa.ForeignKey("progressreport.id"), nullable=True),
        sa.Column("reason", sa.String(500), nullable=False, server_default=""),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("user.id"), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_indicatorvalue_task_id", "indicatorvalue", ["task_id"])


def downgrade() -> None:
    op.drop_table("indicatorvalue")
    op.drop_table("indicator")
    op.drop_table("reportslot")
    op.drop_table("reportschedule")
