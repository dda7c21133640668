"""Persistence for portbot: models, engine, migrations. Never imports ``bot``."""
