"""Facilities service (SPEC F-01..F-10)."""
