"""The till's Qt screens: login, checkout, receipt, refund, settings. Talks to services only."""
