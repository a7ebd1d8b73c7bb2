#!/usr/bin/env bash
# Start a Python Celery 5.2 worker for the `tasks` app in the foreground.
#
#   CELERY_QUEUE=interop-123 ./run_worker.sh
#
# Environment (all optional):
#   RABBITMQ_URL        broker, default amqp://guest:guest@127.0.0.1:5672//
#   CELERY_QUEUE        queue to consume, default celery
#   PYTHON              interpreter, default /usr/bin/python3 (Debian's, which
#                       has python3-celery; a pyenv python3 cannot import it)
#   CELERY_POOL         threads (default) or solo
#   CELERY_CONCURRENCY  threads, default 10 (enough for the 10-task group case)
#   CELERY_LOGLEVEL     default INFO
#
# Readiness: when the consumer is up the worker prints one line on stdout
#   INTEROP-PY-WORKER-READY queue=<queue> node=<node> pid=<pid>
# (and Celery logs "<node> ready." on stderr).  Wait for that prefix, or poll
#   $PYTHON -m celery -A tasks inspect ping -d <node>
# from this directory.  `exec` makes the worker the process the caller
# started, so SIGTERM (warm shutdown) / SIGINT reach it directly.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

PYTHON="${PYTHON:-/usr/bin/python3}"
export CELERY_QUEUE="${CELERY_QUEUE:-celery}"
pool="${CELERY_POOL:-threads}"
concurrency="${CELERY_CONCURRENCY:-10}"
loglevel="${CELERY_LOGLEVEL:-INFO}"
# Unique node name per queue so parallel runs don't collide (pidbox queue is
# <node>.celery.pidbox).  %h is expanded by Celery to the hostname.
node="${CELERY_NODE:-py-${CELERY_QUEUE}@%h}"

if ! "$PYTHON" -c 'import celery' 2>/dev/null; then
  echo "run_worker.sh: $PYTHON cannot import celery (apt-get install -y python3-celery)" >&2
  exit 2
fi

# --without-mingle/--without-gossip: no waiting for other workers at start-up
# and fewer broker entities; neither is needed for interop.
# Do NOT add --without-heartbeat: the 2 s worker-heartbeat event timer is what
# bounds the event loop's poll timeout.  Without it a threads-pool worker that
# has run any task takes ~10 s to react to SIGTERM/SIGINT/SIGQUIT; with it,
# at most ~2 s.
exec "$PYTHON" -m celery -A tasks worker \
  -Q "$CELERY_QUEUE" \
  -n "$node" \
  -P "$pool" -c "$concurrency" \
  --loglevel="$loglevel" \
  --without-mingle --without-gossip
