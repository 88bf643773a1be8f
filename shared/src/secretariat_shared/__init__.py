"""Secretariat's common library, used by the gateway and every service."""
