"""The HTTP API: route registry, handlers, OpenAPI, docs and operations endpoints."""
