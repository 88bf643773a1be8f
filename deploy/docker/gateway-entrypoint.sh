#!/bin/sh
# The gateway image's entrypoint: one image, three processes.
#   http       the HTTP API under gunicorn (default)
#   directory  the Directory gRPC server
#   migrate    bring the gateway's database to the latest schema
#   seed       migrate, then ensure the admin account (and the demo organisation with SECRETARIAT_DEMO=1)
set -eu
command="${1:-http}"
[ "$#" -gt 0 ] && shift
case "$command" in
  http) exec gunicorn -c python:gateway.gunicorn_conf "$@" 'gateway.wsgi:create()' ;;
  directory) exec python -m directory.server "$@" ;;
  migrate) exec python -m gateway.migrate "$@" ;;
  seed) exec python -m gateway.seed "$@" ;;
  *) exec "$command" "$@" ;;
esac
