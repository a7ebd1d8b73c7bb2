"""Python Celery's two sides for `npm run bench:peers`, driven by bench/peers/celery.ts.

    python3 bench_celery.py producer   # JSON commands on stdin, one JSON reply per line on stdout
    python3 bench_celery.py worker     # a solo-pool worker; reports on file descriptor 3

Settings come from the environment: BENCH_BROKER_URL, BENCH_QUEUE, BENCH_PREFETCH, and for the worker
BENCH_EXPECT (tasks to count before reporting) and BENCH_RECORD (1: keep every send -> start latency).
Times are milliseconds since the epoch, as the Node agents take them; CPU is this process's own.
"""
import json
import os
import sys
import time

from celery import Celery, signals

QUEUE = os.environ["BENCH_QUEUE"]
PREFETCH = int(os.environ["BENCH_PREFETCH"])

app = Celery("bench", broker=os.environ["BENCH_BROKER_URL"])
app.conf.update(
    task_default_queue=QUEUE,
    # Each apply_async waits for the broker's confirm (py-amqp has one publish in flight at a time).
    broker_transport_options={"confirm_publish": True},
    task_acks_late=True,
    task_ignore_result=True,
    # Solo pool, concurrency 1: the prefetch the other workers get.
    worker_prefetch_multiplier=PREFETCH,
    worker_hijack_root_logger=False,
    # No pidbox (remote control) queue and exchange: nothing per task, and nothing left on the vhost.
    worker_enable_remote_control=False,
)


def now_ms():
    return time.time() * 1000.0


def cpu_us():
    return time.process_time() * 1e6


class Count:
    """What the worker's task body records, the counterpart of bench/recorder.ts."""

    expect = int(os.environ.get("BENCH_EXPECT", "0"))
    record = os.environ.get("BENCH_RECORD") == "1"
    handled = 0
    started_at = None
    cpu_start = None
    first_start_at = None
    latencies = []
    out = None


def report(message):
    Count.out.write(json.dumps(message) + "\n")
    Count.out.flush()


@app.task(name="bench.noop", ignore_result=True, acks_late=True)
def noop(sent_at):
    start = now_ms()
    if Count.handled == 0:
        Count.first_start_at = start
    if Count.record:
        Count.latencies.append(start - sent_at)
    Count.handled += 1
    if Count.handled == Count.expect:
        report(
            {
                "event": "done",
                "handled": Count.handled,
                "startedAt": Count.started_at,
                "firstStartAt": Count.first_start_at,
                "lastDoneAt": now_ms(),
                "cpuMicros": cpu_us() - Count.cpu_start,
                "latenciesMs": Count.latencies,
                "latenessMs": [],
            }
        )


@signals.worker_init.connect
def on_worker_init(**_):
    # Before the worker connects: the clock a drain starts from, as the Node consumers start theirs just
    # before connecting and consuming.
    Count.started_at = now_ms()
    Count.cpu_start = cpu_us()


@signals.worker_ready.connect
def on_worker_ready(**_):
    report({"event": "ready"})


@signals.worker_shutdown.connect
def on_worker_shutdown(**_):
    report({"event": "stopped", "handled": Count.handled})


def run_worker():
    Count.out = os.fdopen(3, "w")
    app.worker_main(
        [
            "worker",
            "--pool=solo",
            "--concurrency=1",
            f"--queues={QUEUE}",
            f"--hostname=bench-{os.getpid()}@%h",
            # Cluster chatter at start-up and while idle; none of it is per task.
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel=WARNING",
        ]
    )


def enqueue(n):
    cpu_start = cpu_us()
    first = now_ms()
    for _ in range(n):
        noop.apply_async(args=[now_ms()], ignore_result=True)
    return {"sent": n, "firstSendAt": first, "lastConfirmAt": now_ms(), "cpuMicros": cpu_us() - cpu_start}


def paced(n, rate, start_at):
    interval = 1000.0 / rate
    cpu_start = cpu_us()
    first = None
    for i in range(n):
        wait = start_at + i * interval - now_ms()
        if wait > 0:
            time.sleep(wait / 1000.0)
        sent_at = now_ms()
        if first is None:
            first = sent_at
        noop.apply_async(args=[sent_at], ignore_result=True)
    return {"sent": n, "firstSendAt": first, "lastConfirmAt": now_ms(), "cpuMicros": cpu_us() - cpu_start}


def run_producer():
    # Connect before the first timed send, as the Node producers do when they open.
    with app.producer_or_acquire() as producer:
        producer.connection.ensure_connection()
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        command = json.loads(line)
        cmd = command["cmd"]
        if cmd == "enqueue":
            reply = enqueue(command["n"])
        elif cmd == "paced":
            reply = paced(command["n"], command["ratePerSec"], command["startAt"])
        elif cmd == "exit":
            print(json.dumps({"ok": True}), flush=True)
            return
        else:
            reply = {"error": f"the Celery producer cannot {cmd}"}
        print(json.dumps(reply), flush=True)


if __name__ == "__main__":
    role = sys.argv[1] if len(sys.argv) > 1 else ""
    if role == "worker":
        run_worker()
    elif role == "producer":
        run_producer()
    else:
        sys.exit("usage: bench_celery.py producer|worker")
