"""The workbench: the office's web application over the gateway's public HTTP API."""
