"""Secretariat gateway: authentication, the organisation directory (SPEC X-01),
routing of HTTP to the services over gRPC, and the OpenAPI description."""
