"""Login and idempotency rules in plain Python (no Flask, SQLAlchemy or gRPC)."""
