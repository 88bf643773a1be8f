"""Meetings service (SPEC M-01..M-07)."""
