"""The store layer: the only code in the core that speaks SQL or opens the database."""

from neo.store.db import Connection, Store, StoreClosed, StoreError, WrongKey
from neo.store.migrations import Migration, MigrationError, migrate, schema_version

__all__ = [
    "Connection",
    "Migration",
    "MigrationError",
    "Store",
    "StoreClosed",
    "StoreError",
    "WrongKey",
    "migrate",
    "schema_version",
]
