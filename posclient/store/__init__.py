"""The till's local SQLite store: models, engine set-up, migrations, unit of work."""
