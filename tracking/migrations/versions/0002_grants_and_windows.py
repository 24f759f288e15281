"""Server-side grants (who may read which application) and windowed failure counts.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("application_verify_failures") as batch:
        batch.add_column(sa.Column("last_failure_at", sa.DateTime(timezone=True),
                                   nullable=True))
    op.create_table(
        "application_grants",
        sa.Column("kind", sa.String(10), primary_key=True),
        sa.Column("sender_hash", sa.String(64), primary_key=True),
        sa.Column("reference", sa.String(16), primary_key=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("application_grants")
    with op.batch_alter_table("application_verify_failures") as batch:
        batch.drop_column("last_failure_at")
