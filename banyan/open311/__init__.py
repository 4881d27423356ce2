"""Open311 GeoReport v2 under /open311/v2/: the service loop's public face for apps.

See docs/open311.md for what each field means here and what is never shown.
"""
