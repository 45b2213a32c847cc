"""posclient: an offline-first loyalty client for the store checkout."""

__version__ = "0.1.0"
