"""The login ticket carries the session's own token, encrypted under a key only the ticket gives, so the
``/session/start`` route sets the cookie without rotating the token the open tab signed in with (issue 17:
sign-in without reloading the page).

Revision ID: 0013
Revises: 0012
"""
import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("usersession") as batch_op:
        batch_op.add_column(sa.Column("ticket_box", sa.String(200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("usersession") as batch_op:
        batch_op.drop_column("ticket_box")
