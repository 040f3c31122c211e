#!/usr/bin/env bash
# Container entrypoint (deploy/Dockerfile):
#   web       migrate the database, then serve with gunicorn (extra arguments go to gunicorn)
#   worker    run background jobs and periodic upkeep (extra arguments go to `ecolife worker`)
#   migrate   only migrate the database, then exit (for deploys that migrate once, up front)
#   anything else is run as given, e.g. `ecolife backup /backups/ecolife.dump` or `bash`.
# Run from the checkout's root: the image's WORKDIR, or `cd /opt/ecolife` outside a container.
set -euo pipefail

migrate() {
    # Several hosts may start at once: the migrations take an advisory lock, one runs them.
    echo "entrypoint: migrating the database (ecolife db upgrade)" >&2
    ecolife db upgrade
}

command="${1:-web}"
[ $# -gt 0 ] && shift
case "$command" in
    web)
        migrate
        exec gunicorn -c deploy/gunicorn.conf.py "$@" wsgi:app
        ;;
    worker)
        exec ecolife worker "$@"
        ;;
    migrate)
        migrate
        ;;
    *)
        exec "$command" "$@"
        ;;
esac
