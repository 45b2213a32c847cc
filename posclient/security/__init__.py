"""Security helpers: signed member codes (and, on the till, keyring, field encryption, PINs)."""
