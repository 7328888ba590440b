"""Alembic migrations of the registry; run them with orchard.registry.migrate.upgrade()."""
