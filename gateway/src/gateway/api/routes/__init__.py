"""Route handlers, one module per area; each registers on an Api with the models it uses."""
