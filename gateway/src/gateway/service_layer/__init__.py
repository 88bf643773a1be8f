"""Use cases: directory administration and login."""
