"""Scanning: keyboard-wedge burst detection (wedge.py), camera capture and image decoding."""
