"""Secretariat gateway: authentication, routing of HTTP to the services over gRPC
(the Directory included), and the OpenAPI description."""
