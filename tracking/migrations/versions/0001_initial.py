"""Applications, their status events and the per-sender lockout.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "applications",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("reference", sa.String(16), nullable=False, unique=True),
        sa.Column("code_hash", sa.String(200), nullable=False),
        sa.Column("procedure_id", sa.String(60), nullable=False),
        sa.Column("submitted_on", sa.Date, nullable=False),
        sa.Column("lang", sa.String(8), nullable=False),
        sa.Column("notify_channel", sa.String(40), nullable=False),
        sa.Column("notify_recipient", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "application_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("application_id", sa.Integer, sa.ForeignKey("applications.id"),
                  nullable=False, index=True),
        sa.Column("stage", sa.String(40), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("remark", sa.Text, nullable=False),
        sa.Column("actor", sa.String(80), nullable=False),
    )
    op.create_table(
        "application_verify_failures",
        sa.Column("sender_hash", sa.String(64), primary_key=True),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("application_verify_failures")
    op.drop_table("application_events")
    op.drop_table("applications")
