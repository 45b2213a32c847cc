"""Scanning: decoding member and product codes from images and camera frames, rendering cards."""
