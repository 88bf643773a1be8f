"""Persistence and remote services: repositories, password hashing, gRPC clients."""
