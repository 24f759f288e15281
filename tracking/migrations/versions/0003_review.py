"""The review inbox: one row per answered turn (metadata; redacted text only when it was not
served well) and the labels staff give groups of them.

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
    op.create_table(
        "review_labels",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("verdict", sa.String(20), nullable=False),
        sa.Column("facet", sa.String(40), nullable=True),
        sa.Column("key_type", sa.String(60), nullable=True),
        sa.Column("procedure_id", sa.String(60), nullable=True),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("actor", sa.String(80), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "review_turns",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("day", sa.Date, nullable=False, index=True),
        sa.Column("lang", sa.String(8), nullable=False),
        sa.Column("channel", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("procedure_id", sa.String(60), nullable=True),
        sa.Column("facet", sa.String(40), nullable=True),
        sa.Column("intent", sa.String(60), nullable=True),
        sa.Column("confidence", sa.Float, nullable=True),
        sa.Column("sender_hash", sa.String(64), nullable=True, index=True),
        sa.Column("reason", sa.String(30), nullable=True, index=True),
        sa.Column("text", sa.Text, nullable=True),
        sa.Column("comment", sa.Text, nullable=True),
        sa.Column("rating", sa.Integer, nullable=True),
        sa.Column("label_id", sa.Integer, sa.ForeignKey("review_labels.id"), nullable=True,
                  index=True),
    )


def downgrade() -> None:
    op.drop_table("review_turns")
    op.drop_table("review_labels")
