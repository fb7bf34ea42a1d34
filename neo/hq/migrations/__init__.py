"""Alembic migration scripts of the HQ database (run by ``neo.hq.storage.Database.migrate``)."""
