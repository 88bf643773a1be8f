"""The archives service (SPEC A-01..A-06)."""
