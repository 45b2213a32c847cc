"""Secrets in the keyring, field encryption, blind indexes, masking, PIN hashing."""
