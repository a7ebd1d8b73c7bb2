#!/usr/bin/python3
"""Delete interop test queues and their same-named direct exchanges.

    /usr/bin/python3 cleanup_broker.py QUEUE [QUEUE ...]

Celery declares, for a task queue X, a durable queue X and a durable direct
exchange X (bound with key X).  `rabbitmqctl delete_queue X` removes only the
queue; this also removes the exchange.  Uses RABBITMQ_URL like tasks.py.
Missing entities are ignored.  Reply queues (auto-delete) and pidbox queues
(x-expires 10 s) go away by themselves once their owners disconnect.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from kombu import Connection  # noqa: E402

from tasks import broker_url  # noqa: E402


def main(names):
    if not names:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    with Connection(broker_url()) as conn:
        for name in names:
            for kind, op in (('queue', 'queue_delete'),
                             ('exchange', 'exchange_delete')):
                ch = conn.channel()   # a failed op closes its channel
                try:
                    getattr(ch, op)(name)
                    print(f'deleted {kind} {name}')
                except Exception as exc:
                    print(f'{kind} {name}: {exc}', file=sys.stderr)
                finally:
                    try:
                        ch.close()
                    except Exception:
                        pass
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
