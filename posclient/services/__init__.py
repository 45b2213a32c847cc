"""Use cases of the till (no Qt): checkout, members, staff, sync. Each takes the database."""
