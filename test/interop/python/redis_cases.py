"""Redis result backend and chord cases for a Python Celery 5.2 client.

Run with CELERY_RESULT_BACKEND=redis://… against whatever worker consumes
CELERY_QUEUE (a Nest worker or a Python one); prints one JSON line per case,
like client_cases.py.

    redis_cases.py cases [--mixed-queue Q]   the cases below
    redis_cases.py read <task-id>            AsyncResult(id).get() as JSON

With --mixed-queue, the mixed chord sends half of its header to that queue
(consumed by the other kind of worker) and half to CELERY_QUEUE.
"""

import argparse
import json
import sys
import time

from celery import chain, chord
from celery.exceptions import ChordError
from celery.result import AsyncResult

from tasks import app

TIMEOUT = 30.0
# Results these cases created, forgotten at the end so the shared Redis keeps nothing of theirs.
CREATED = []


def sig(name, args=(), **options):
    return app.signature(name, args=tuple(args), **options)


def case_result_by_id():
    sent = app.send_task('tasks.add', (20, 22))
    CREATED.append(sent)
    first = sent.get(timeout=TIMEOUT)
    # A fresh handle, as another process would build it from the id alone.
    again = AsyncResult(sent.id, app=app).get(timeout=TIMEOUT)
    unknown = AsyncResult('no-such-task-' + sent.id, app=app).state
    ok = first == 42 and again == 42 and unknown == 'PENDING'
    return ok, {'first': first, 'again': again, 'unknown_state': unknown}


def case_chord_sum():
    result = chord([sig('tasks.add', (i, i)) for i in range(10)])(sig('tasks.tsum'))
    CREATED.append(result)
    value = result.get(timeout=TIMEOUT)
    return value == 90, {'value': value}


def case_chord_failure():
    body = sig('tasks.tsum', link_error=sig('tasks.record_error'))
    result = chord([sig('tasks.add', (1, 1)), sig('tasks.fail', ('member broke',))])(body)
    CREATED.append(result)
    # The body's own handle: `result.get()` would re-raise the member's ValueError from its parent first.
    try:
        value = AsyncResult(result.id, app=app).get(timeout=TIMEOUT)
        return False, {'unexpected_value': value}
    except ChordError as exc:
        text = str(exc)
        return 'raised ValueError' in text, {'chord_error': text}


def case_chain_into_chord():
    # The worker that finishes add(1, 1) starts the chord: 2 goes in front of each member's args.
    result = chain(sig('tasks.add', (1, 1)),
                   chord([sig('tasks.add', (i,)) for i in range(3)], sig('tasks.tsum'))).apply_async()
    CREATED.append(result)
    value = result.get(timeout=TIMEOUT)
    return value == 9, {'value': value}


def case_chord_mixed(mixed_queue):
    header = [sig('tasks.add', (i, i), queue=mixed_queue if i % 2 else None)
              for i in range(10)]
    result = chord(header)(sig('tasks.tsum'))
    CREATED.append(result)
    value = result.get(timeout=TIMEOUT)
    return value == 90, {'value': value}


def forget_created():
    """Deletes each result and its ancestors (a chord's header group, a chain's first step)."""
    for result in CREATED:
        node = result
        while node is not None:
            try:
                node.forget()
            except Exception:
                pass
            node = getattr(node, 'parent', None)


def run_case(name, fn):
    t0 = time.monotonic()
    try:
        ok, detail = fn()
    except Exception as exc:  # anything unexpected is a failed case
        ok, detail = False, {'error': f'{type(exc).__name__}: {exc}'}
    ms = round((time.monotonic() - t0) * 1000, 1)
    print(json.dumps({'case': name, 'ok': ok, 'detail': detail, 'ms': ms},
                     default=repr), flush=True)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('mode', choices=['cases', 'read'])
    p.add_argument('task_id', nargs='?')
    p.add_argument('--mixed-queue', default='')
    a = p.parse_args(argv)
    if a.mode == 'read':
        try:
            value = AsyncResult(a.task_id, app=app).get(timeout=TIMEOUT)
            print(json.dumps({'ok': True, 'value': value}), flush=True)
        except Exception as exc:
            print(json.dumps({'ok': False, 'error': f'{type(exc).__name__}: {exc}'}), flush=True)
        return 0
    run_case('result_by_id', case_result_by_id)
    run_case('chord_sum', case_chord_sum)
    run_case('chord_failure', case_chord_failure)
    run_case('chain_into_chord', case_chain_into_chord)
    if a.mixed_queue:
        run_case('chord_mixed', lambda: case_chord_mixed(a.mixed_queue))
    forget_created()
    app.close()
    return 0


if __name__ == '__main__':
    sys.exit(main())
