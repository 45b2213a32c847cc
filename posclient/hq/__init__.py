"""The reference central service (HQ): pairing, idempotent push, change feed, conflict rules."""
