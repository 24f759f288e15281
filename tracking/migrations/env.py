"""Alembic environment: runs on the connection the store hands over (config attribute)."""

from __future__ import annotations

from alembic import context

from tracking.models import Base

VERSION_TABLE = "applications_alembic_version"  # the knowledge tables are not versioned


def run_migrations() -> None:
    connection = context.config.attributes["connection"]
    context.configure(connection=connection, target_metadata=Base.metadata,
                      version_table=VERSION_TABLE, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
