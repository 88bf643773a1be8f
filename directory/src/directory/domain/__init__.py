"""Rules of people and departments, roles and the password policy in plain Python (SPEC X-01)."""
