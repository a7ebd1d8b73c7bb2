"""Celery app ``tasks`` for the Celeriac interop tests (Celery 5.2, protocol 2).

One module serves two roles:

* the **Python worker** (``run_worker.sh`` runs ``celery -A tasks worker``)
  executes the tasks defined here;
* the **Python client** (``client_cases.py``) imports ``app`` only for its
  configuration (broker, rpc backend, JSON, queue) and calls every task by
  name with ``send_task``, so it never needs the task code and works the same
  against a Node worker.

Environment:

* ``RABBITMQ_URL``: broker URL, default ``amqp://guest:guest@127.0.0.1:5672//``.
  The Node side writes ``amqp://guest:guest@127.0.0.1:5672`` (no path).  kombu
  5.2 maps a missing path, a bare ``/``, ``//`` and ``/%2F`` all to vhost
  ``/``, so both spellings reach the same vhost; ``broker_url()`` below still
  normalises them so that what is logged is unambiguous.
* ``CELERY_QUEUE``: default queue, default ``celery``.  Task messages are sent
  to it and the worker consumes it.

Every task below must also exist in the Node worker under the same name and
with the same behaviour (see README.md).
"""

import os
import sys
import threading
import time
from urllib.parse import urlsplit, urlunsplit

from celery import Celery, signals

DEFAULT_BROKER = 'amqp://guest:guest@127.0.0.1:5672//'


def broker_url(raw=None):
    """Return the broker URL with an explicit default vhost.

    ``amqp://h:5672`` and ``amqp://h:5672/`` become ``amqp://h:5672//``
    (vhost ``/``); any other path is kept as given (``/foo`` is vhost
    ``foo``, ``/%2F`` is vhost ``/``).
    """
    url = raw if raw is not None else os.environ.get('RABBITMQ_URL', '')
    url = url.strip() or DEFAULT_BROKER
    parts = urlsplit(url)
    if parts.path in ('', '/'):
        parts = parts._replace(path='//')
    return urlunsplit(parts)


QUEUE = os.environ.get('CELERY_QUEUE', '').strip() or 'celery'

app = Celery('tasks')
app.conf.update(
    broker_url=broker_url(),
    # CELERY_RESULT_BACKEND (e.g. redis://127.0.0.1:6379/14) for the Redis and chord cases.
    result_backend=os.environ.get('CELERY_RESULT_BACKEND', '').strip() or 'rpc://',
    # Seconds stored results live; the Redis cases shorten it so a run leaves nothing for long.
    result_expires=int(os.environ.get('CELERY_RESULT_EXPIRES', '').strip() or 86400),
    task_serializer='json',
    result_serializer='json',
    accept_content=['json'],
    result_accept_content=['json'],
    task_default_queue=QUEUE,
    task_acks_late=False,          # stock: ack when execution starts
    task_protocol=2,
    enable_utc=True,
    timezone='UTC',
    worker_hijack_root_logger=True,
)


# --------------------------------------------------------------------------
# Basic tasks
# --------------------------------------------------------------------------

@app.task(name='tasks.add')
def add(x, y):
    """Return x + y."""
    return x + y


@app.task(name='tasks.tsum')
def tsum(numbers):
    """Return the sum of a list: the body of the chord cases."""
    return sum(numbers)


@app.task(name='tasks.echo')
def echo(value):
    """Return value unchanged (JSON round-trip test)."""
    return value


@app.task(name='tasks.fail')
def fail(message):
    """Raise ValueError(message); the client must see a FAILURE with
    exc_type ValueError, exc_module builtins, exc_message [message]."""
    raise ValueError(message)


@app.task(name='tasks.sleep')
def sleep(ms):
    """Sleep ms milliseconds, return ms."""
    time.sleep(ms / 1000.0)
    return ms


# --------------------------------------------------------------------------
# Tasks used by the canvas / options cases
# --------------------------------------------------------------------------

@app.task(name='tasks.record_error')
def record_error(task_id):
    """Errback for the link_error case: return the failed task's id.

    Takes exactly ONE argument, so a Celery 5.2 worker publishes it as a new
    task message with args = [failed task id] (a worker calls multi-argument
    errbacks in-process with (request, exc, traceback) instead).  A Node
    worker must publish it the same way.
    """
    return task_id


@app.task(name='tasks.echo_header', bind=True)
def echo_header(self, name):
    """Return the value of custom message header ``name`` (null if absent).

    Celery 5.2 merges ``headers={...}`` flat into the AMQP header table, and
    the worker builds ``self.request`` from the whole table, so a custom
    header ``x-trace`` becomes an attribute of the request:
    ``self.request.get('x-trace')`` / ``getattr(self.request, 'x-trace')``.
    ``self.request.headers`` is ``None`` for a task run by the worker.  The
    fallback to ``request.headers`` only covers Celery versions or callers
    that nest custom headers there.
    """
    value = self.request.get(name)
    if value is None:
        nested = getattr(self.request, 'headers', None)
        if isinstance(nested, dict):
            value = nested.get(name)
    return value


@app.task(name='tasks.request_info', bind=True)
def request_info(self, *args, **kwargs):
    """Return what the worker made of the message's protocol headers.

    ``self.request`` is built from the whole header table, with Celery's
    defaults for headers that are absent: this is how a test sees that a
    lean header table (only the headers that differ from those defaults)
    runs exactly like Celery's full one.
    """
    r = self.request
    return {
        'id': r.id,
        'root_id': r.root_id,
        'parent_id': r.parent_id,
        'group': r.group,
        'retries': r.retries,
        'eta': r.eta,
        'expires': r.expires,
        'timelimit': list(r.timelimit) if r.timelimit else None,
        'shadow': r.shadow,
        'ignore_result': r.ignore_result,
        'origin': r.origin,
        'argsrepr': r.get('argsrepr'),
    }


# A tiny in-process key/value store for the ignore_result case: the task run
# with ignore_result=True stores a value, a normal follow-up task reads it.
# Needs ONE worker process (solo or threads pool; run_worker.sh uses threads).
_memory = {}
_memory_lock = threading.Lock()


@app.task(name='tasks.remember')
def remember(key, value):
    """Store value under key in the worker process; return value."""
    with _memory_lock:
        _memory[key] = value
    return value


@app.task(name='tasks.recall')
def recall(key):
    """Return the value stored by tasks.remember(key), or null."""
    with _memory_lock:
        return _memory.get(key)


# --------------------------------------------------------------------------
# Readiness line (worker only)
# --------------------------------------------------------------------------

@signals.worker_ready.connect
def _announce_ready(sender=None, **_kwargs):
    # Written to the real stdout (Celery redirects sys.stdout to its logger)
    # so a harness can wait for this exact prefix.
    host = getattr(sender, 'hostname', '?')
    sys.__stdout__.write(
        f'INTEROP-PY-WORKER-READY queue={QUEUE} node={host} pid={os.getpid()}\n'
    )
    sys.__stdout__.flush()
