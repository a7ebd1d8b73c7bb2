#!/usr/bin/python3
"""Celery 5.2 CLIENT side of the Celeriac interop cases.

Runs numbered cases against whatever worker consumes ``$CELERY_QUEUE`` (a
Python Celery worker from run_worker.sh, or the Node worker).  It is only a
client: it never starts a worker, and every task is addressed by NAME
(``send_task`` / ``app.signature``), so the worker may be Node.  ``tasks.py``
is imported only for the app configuration (broker, rpc:// backend, JSON,
default queue).

Prints one JSON line per case on stdout:

    {"case": "args", "ok": true, "detail": ..., "ms": 12.3}

and exits 0 only if every selected case is ok (1 otherwise, 2 on bad usage).

Usage:
    /usr/bin/python3 client_cases.py [--only args,group] [--timeout 20] [--list]
"""

import argparse
import hashlib
import json
import os
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

try:
    import celery  # noqa: F401
except ImportError:  # e.g. a pyenv python3 that cannot see Debian's packages
    sys.exit(f'client_cases.py: {sys.executable} cannot import celery; run it '
             'with /usr/bin/python3 (apt-get install -y python3-celery)')

from celery import chain, group  # noqa: E402
from celery.exceptions import TaskRevokedError  # noqa: E402
from celery.exceptions import TimeoutError as CeleryTimeout  # noqa: E402
from celery.result import AsyncResult  # noqa: E402

from tasks import app, QUEUE  # noqa: E402

TIMEOUT = 20.0  # seconds; replaced by --timeout


class CaseFailed(Exception):
    """An assertion about the real outcome did not hold."""

    def __init__(self, detail):
        super().__init__(str(detail))
        self.detail = detail


def check(cond, detail):
    if not cond:
        raise CaseFailed(detail)


def sig(name, args=(), kwargs=None, **options):
    """A signature addressed by task name only."""
    return app.signature(name, args=tuple(args), kwargs=kwargs or {}, **options)


def get(result, timeout=None):
    return result.get(timeout=TIMEOUT if timeout is None else timeout)


def describe_exc(exc):
    return {'type': type(exc).__name__,
            'module': type(exc).__module__,
            'str': str(exc)}


def strict_equal(a, b):
    """JSON equality that also tells int, float and bool apart."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(strict_equal(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(strict_equal(x, y) for x, y in zip(a, b))
    return a == b


def expect_failure(result, timeout=None):
    """get() must raise (a FAILURE/REVOKED reply); return the exception.

    A TimeoutError means no reply arrived: the caller would hang.
    """
    t = TIMEOUT if timeout is None else timeout
    try:
        value = result.get(timeout=t)
    except CeleryTimeout:
        raise CaseFailed({'error': f'no reply within {t:g}s (caller would hang)',
                          'state_seen': result.state})
    except Exception as exc:  # the rebuilt remote exception
        return exc
    raise CaseFailed({'error': 'expected a failure, got a result',
                      'result': value})


# ---------------------------------------------------------------------------
# Cases
# ---------------------------------------------------------------------------

def case_args():
    r = app.send_task('tasks.add', args=(2, 3))
    v = get(r)
    check(strict_equal(v, 5), {'expected': 5, 'got': v})
    return {'result': v, 'state': r.state}


def case_kwargs():
    r = app.send_task('tasks.add', kwargs={'x': 2, 'y': 3})
    v = get(r)
    check(strict_equal(v, 5), {'expected': 5, 'got': v})
    return {'result': v}


UNICODE_SAMPLE = (
    'ascii, é ü ß ñ, Ωμέγα, Кириллица, 日本語テキスト, العربية, עברית, '
    '𝄞 (U+1D11E) 🎉 (U+1F389) 👨‍👩‍👧 (ZWJ family) e\u0301 (combining) '
    '\u200b(zwsp) \u00a0(nbsp) "quotes" \\backslash\\ \t\n\r\u2028\u2029 end'
)


def case_unicode():
    r = app.send_task('tasks.echo', args=(UNICODE_SAMPLE,))
    v = get(r)
    check(isinstance(v, str), {'error': 'not a string', 'got_type': type(v).__name__})
    if v != UNICODE_SAMPLE:
        first = next((i for i, (a, b) in enumerate(zip(v, UNICODE_SAMPLE))
                      if a != b), min(len(v), len(UNICODE_SAMPLE)))
        raise CaseFailed({'error': 'mismatch', 'first_diff_at': first,
                          'sent_len': len(UNICODE_SAMPLE), 'got_len': len(v),
                          'got_near': v[max(0, first - 5):first + 5]})
    return {'code_points': len(v),
            'utf8_bytes': len(v.encode('utf-8')),
            'astral': [c for c in v if ord(c) > 0xFFFF]}


NESTED_SAMPLE = {
    'null': None,
    'float': 1.5,
    'neg_float': -0.25,
    'small_float': 1e-7,
    'int': 42,
    'neg_int': -7,
    'max_safe_int': 2 ** 53 - 1,
    'true': True,
    'false': False,
    'empty_list': [],
    'empty_dict': {},
    'empty_str': '',
    'list': [1, 'two', None, 3.25, [], {}, [[None]], {'k': [{'deep': None}]}],
    'dict': {'a': {'b': {'c': {'d': [None, 0.5, {}]}}}},
    'kéy ünicode 🎉': 'välue',
}


def case_nested():
    r = app.send_task('tasks.echo', args=(NESTED_SAMPLE,))
    v = get(r)
    check(strict_equal(v, NESTED_SAMPLE),
          {'error': 'not equal (types included)', 'got': v})
    return {'keys': len(v), 'note': 'equal including int/float/bool types'}


def case_big():
    size = 1024 * 1024
    unit = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-_'
    value = (unit * (size // len(unit) + 1))[:size]
    digest = hashlib.sha256(value.encode()).hexdigest()
    r = app.send_task('tasks.echo', args=(value,))
    v = get(r)
    check(isinstance(v, str), {'error': 'not a string'})
    got = hashlib.sha256(v.encode()).hexdigest()
    check(v == value, {'error': 'mismatch', 'sent_len': size, 'got_len': len(v),
                       'sent_sha256': digest, 'got_sha256': got})
    return {'chars': len(v), 'sha256': digest[:16]}


def case_failure():
    r = app.send_task('tasks.fail', args=('boom',))
    exc = expect_failure(r)
    d = describe_exc(exc)
    check(isinstance(exc, ValueError) and type(exc).__name__ == 'ValueError'
          and str(exc) == 'boom' and exc.args == ('boom',),
          {'error': 'wrong exception', **d, 'args': list(exc.args)})
    tb = r.traceback
    return {**d, 'state': r.state, 'is_builtin_ValueError': type(exc) is ValueError,
            'traceback': (f'{type(tb).__name__}, {len(tb)} chars'
                          if isinstance(tb, str) else tb)}


def case_invalid_args():
    # tasks.add_checked has an args schema on the Nest worker: two numbers.
    ok = get(app.send_task('tasks.add_checked', kwargs={'x': 2, 'y': 3}))
    check(strict_equal(ok, 5), {'expected': 5, 'got': ok})
    r = app.send_task('tasks.add_checked', args=('two', 3))
    exc = expect_failure(r)
    d = describe_exc(exc)
    check(d['type'] == 'ValidationError' and r.state == 'FAILURE'
          and str(exc).startswith('tasks.add_checked() got arguments that do not '
                                  'match its schema: [0]: ')
          and 'number' in str(exc),
          {'error': 'wrong exception', **d, 'state': r.state})
    return {**d, 'state': r.state}


def case_missing_args():
    # One argument to tasks.add(x, y): Python's own TypeError, as a Python worker would raise it.
    r = app.send_task('tasks.add', args=(1,))
    exc = expect_failure(r)
    d = describe_exc(exc)
    check(type(exc) is TypeError
          and str(exc) == "tasks.add() missing 1 required positional argument: 'y'",
          {'error': 'wrong exception', **d, 'state': r.state})
    return {**d, 'state': r.state}


def case_countdown():
    countdown = 2.0
    early_tolerance = 0.050   # s before the due time still accepted
    late_limit = 1.5          # s after the due time still accepted
    t0 = time.monotonic()
    r = app.send_task('tasks.add', args=(2, 3), countdown=countdown)
    t_sent = time.monotonic()
    v = get(r, TIMEOUT + countdown)
    elapsed = time.monotonic() - t0
    delta_ms = round((elapsed - countdown) * 1000, 1)
    detail = {'result': v, 'countdown_s': countdown,
              'elapsed_ms': round(elapsed * 1000, 1),
              'late_by_ms': delta_ms,
              'publish_ms': round((t_sent - t0) * 1000, 1)}
    check(strict_equal(v, 5), {'error': 'wrong result', **detail})
    check(elapsed >= countdown - early_tolerance,
          {'error': 'result came too EARLY', **detail})
    check(elapsed <= countdown + late_limit,
          {'error': 'result came too late', **detail})
    return detail


def case_expires_past():
    past = datetime.now(timezone.utc) - timedelta(seconds=60)
    r = app.send_task('tasks.add', args=(1, 2), expires=past)
    try:
        exc = expect_failure(r)
    except CaseFailed as f:
        f.detail['hint'] = ('the client also sets AMQP expiration "0": RabbitMQ '
                            'drops the message unless a consumer can take it at '
                            'once; a worker must reply REVOKED when it gets it')
        raise
    d = describe_exc(exc)
    check(isinstance(exc, TaskRevokedError),
          {'error': 'expected celery.exceptions.TaskRevokedError', **d})
    return {**d, 'state': r.state, 'expires': past.isoformat()}


def case_chain():
    c = chain(sig('tasks.add', (1, 1)), sig('tasks.add', (10,)))
    t0 = time.monotonic()
    r = c.apply_async()
    v = get(r)
    check(strict_equal(v, 12), {'expected': 12, 'got': v})
    detail = {'result': v, 'last_id': r.id,
              'final_ms': round((time.monotonic() - t0) * 1000, 1)}
    # every step was frozen with our reply_to, so the first step's result
    # also reaches this client.  (Python rpc client quirk: this second wait
    # sometimes takes ~1 s, the result drainer's poll interval, although the
    # reply is already in: see README.)
    if r.parent is not None:
        try:
            t1 = time.monotonic()
            pv = get(r.parent, 5)
            detail['first_step_result'] = pv
            detail['first_step_get_ms'] = round((time.monotonic() - t1) * 1000, 1)
            check(strict_equal(pv, 2), {'error': 'first step wrong', **detail})
        except CeleryTimeout:
            detail['first_step_result'] = 'no reply within 5s'
            raise CaseFailed({'error': 'first step reply missing', **detail})
    return detail


def case_group():
    n = 10
    g = group(sig('tasks.add', (i, i * 10)) for i in range(n))
    t0 = time.monotonic()
    r = g.apply_async()
    v = get(r)
    expected = [i * 11 for i in range(n)]
    check(isinstance(v, list) and len(v) == n and all(
        strict_equal(a, b) for a, b in zip(v, expected)),
        {'expected': expected, 'got': v})
    return {'result': v, 'group_id': r.id,
            'join_ms': round((time.monotonic() - t0) * 1000, 1)}


def case_link():
    # The callback is frozen here so it carries our task_id/reply_to; an
    # unfrozen callback would reply to the WORKER's own reply queue.
    cb = sig('tasks.add', (100,))
    cb_result = cb.freeze()
    r = app.send_task('tasks.add', args=(2, 3), link=cb)
    v = get(r)
    check(strict_equal(v, 5), {'error': 'parent wrong', 'got': v})
    try:
        cv = get(cb_result)
    except CeleryTimeout:
        raise CaseFailed({'error': f'link callback sent no reply within {TIMEOUT:g}s',
                          'parent_result': v})
    check(strict_equal(cv, 105), {'error': 'callback result wrong (expected '
                                  'add(5, 100) = 105)', 'got': cv})
    return {'parent_result': v, 'callback_result': cv,
            'callback_id': cb_result.id}


def case_link_error():
    eb = sig('tasks.record_error')
    eb_result = eb.freeze()
    r = app.send_task('tasks.fail', args=('boom-link',), link_error=eb)
    exc = expect_failure(r)
    d = describe_exc(exc)
    check(type(exc).__name__ == 'ValueError' and str(exc) == 'boom-link',
          {'error': 'parent failure wrong', **d})
    try:
        ev = get(eb_result)
    except CeleryTimeout:
        raise CaseFailed({'error': f'errback sent no reply within {TIMEOUT:g}s',
                          'parent_exc': d})
    check(ev == r.id, {'error': 'errback did not get the failed task id',
                       'expected': r.id, 'got': ev})
    return {'parent_exc': d, 'errback_result': ev, 'errback_id': eb_result.id}


def case_ignore_result():
    key = f'ignore-{uuid.uuid4()}'
    value = {'marker': key}
    t0 = time.monotonic()
    r = app.send_task('tasks.remember', args=(key, value), ignore_result=True)
    # 1. the client does not wait: get() on an ignored result returns None
    g0 = time.monotonic()
    gv = r.get(timeout=TIMEOUT)
    get_ms = round((time.monotonic() - g0) * 1000, 1)
    check(r.ignored and gv is None and get_ms < 100,
          {'error': 'client did not treat the result as ignored',
           'ignored': r.ignored, 'get': gv, 'get_ms': get_ms})
    # 2. the task ran: a normal follow-up task reads what it stored
    deadline = t0 + TIMEOUT
    attempts, seen = 0, None
    while time.monotonic() < deadline:
        attempts += 1
        seen = get(app.send_task('tasks.recall', args=(key,)),
                   max(0.1, deadline - time.monotonic()))
        if seen == value:
            break
        time.sleep(0.1)
    check(seen == value, {'error': 'ignored task never ran (recall never '
                          'saw its value)', 'attempts': attempts, 'seen': seen})
    ran_ms = round((time.monotonic() - t0) * 1000, 1)
    # 3. the worker sent no SUCCESS for it: a fresh, non-ignored handle on
    # the same id must time out (results for this client all arrive on one
    # reply queue, so an earlier SUCCESS would have been buffered).
    grace = 1.0
    try:
        late = AsyncResult(r.id, app=app).get(timeout=grace)
        raise CaseFailed({'error': 'worker sent a result despite ignore_result',
                          'result': late})
    except CeleryTimeout:
        pass
    return {'client_get_ms': get_ms, 'follow_up_attempts': attempts,
            'proved_ran_after_ms': ran_ms,
            'reply_for_ignored_task': f'none within {grace:g}s'}


def case_headers():
    r = app.send_task('tasks.echo_header', args=('x-trace',),
                      headers={'x-trace': 'abc'})
    v = get(r)
    check(v == 'abc', {'error': 'header value not seen by the task',
                       'expected': 'abc', 'got': v})
    r2 = app.send_task('tasks.echo_header', args=('x-trace',))
    v2 = get(r2)
    check(v2 is None, {'error': 'absent header should give null', 'got': v2})
    return {'with_header': v, 'without_header': v2}


def case_unknown_task():
    r = app.send_task('tasks.nope', args=(1,))
    exc = expect_failure(r)
    d = describe_exc(exc)
    check(type(exc).__name__ == 'NotRegistered' and 'tasks.nope' in str(exc),
          {'error': 'expected NotRegistered naming tasks.nope', **d})
    return {**d, 'state': r.state}


def case_pickle_content_type():
    r = app.send_task('tasks.echo', args=('pickled',), serializer='pickle')
    try:
        exc = expect_failure(r)
    except CaseFailed as f:
        if 'result' in f.detail:
            f.detail['error'] = ('worker EXECUTED an application/x-python-serialize '
                                 'message (it must refuse it with a FAILURE)')
        raise
    return {**describe_exc(exc), 'state': r.state}


CASES = [
    ('args', case_args),
    ('kwargs', case_kwargs),
    ('unicode', case_unicode),
    ('nested', case_nested),
    ('big', case_big),
    ('failure', case_failure),
    ('invalid_args', case_invalid_args),
    ('missing_args', case_missing_args),
    ('countdown', case_countdown),
    ('expires_past', case_expires_past),
    ('chain', case_chain),
    ('group', case_group),
    ('link', case_link),
    ('link_error', case_link_error),
    ('ignore_result', case_ignore_result),
    ('headers', case_headers),
    ('unknown_task', case_unknown_task),
    ('pickle_content_type', case_pickle_content_type),
]


def run_case(name, fn):
    t0 = time.monotonic()
    try:
        detail = fn()
        ok = True
    except CaseFailed as f:
        ok, detail = False, f.detail
    except CeleryTimeout as exc:
        ok, detail = False, {'error': f'no reply within {TIMEOUT:g}s '
                                      f'(caller would hang): {exc}'}
    except Exception as exc:  # anything unexpected is a failed case
        ok, detail = False, {'error': 'unexpected exception', **describe_exc(exc)}
    ms = round((time.monotonic() - t0) * 1000, 1)
    line = json.dumps({'case': name, 'ok': ok, 'detail': detail, 'ms': ms},
                      ensure_ascii=False, default=repr)
    print(line, flush=True)
    return ok


def main(argv=None):
    global TIMEOUT
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--only', default='',
                   help='comma-separated case names (default: all)')
    p.add_argument('--timeout', type=float, default=20.0,
                   help='seconds to wait for each reply (default 20)')
    p.add_argument('--list', action='store_true', help='list case names')
    a = p.parse_args(argv)
    if a.list:
        for i, (name, _) in enumerate(CASES, 1):
            print(f'{i:2d} {name}')
        return 0
    TIMEOUT = a.timeout
    selected = CASES
    if a.only.strip():
        wanted = [w.strip() for w in a.only.split(',') if w.strip()]
        known = dict(CASES)
        unknown = [w for w in wanted if w not in known]
        if unknown:
            print(f'unknown case(s): {", ".join(unknown)}; known: '
                  f'{", ".join(known)}', file=sys.stderr)
            return 2
        selected = [(w, known[w]) for w in wanted]
    print(f'client_cases: queue={QUEUE} broker={app.connection().as_uri()} '
          f'timeout={TIMEOUT:g}s cases={len(selected)}', file=sys.stderr)
    results = [run_case(name, fn) for name, fn in selected]
    try:
        app.close()
    except Exception:
        pass
    return 0 if all(results) else 1


if __name__ == '__main__':
    sys.exit(main())
