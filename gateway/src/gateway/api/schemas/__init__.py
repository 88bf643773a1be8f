"""Pydantic models of every request and response; the OpenAPI document is generated
from them."""
