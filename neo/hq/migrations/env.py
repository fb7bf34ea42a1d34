"""Alembic environment for HQ. HQ runs it programmatically (no alembic.ini on disk):
``neo.hq.storage.db.Database.migrate`` passes an open connection in
``config.attributes["connection"]``."""

from __future__ import annotations

from alembic import context

from neo.hq.storage.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only reachable through the alembic command line
    raise RuntimeError("HQ migrations run through `neo-hq` (or Database.migrate), not the alembic CLI")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
