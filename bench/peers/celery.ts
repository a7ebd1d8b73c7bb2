import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface, type Interface } from 'node:readline';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { Agent } from '../agent-runtime.js';
import { sleep } from '../clock.js';
import type { Command, ConsumerStats } from '../protocol.js';

/**
 * Python Celery's sides (`celery/bench_celery.py`, run by Debian's Python, or $CELERY_PYTHON as in the
 * interop suite), behind this agent so that the orchestrator drives them like the others. The Python
 * processes time themselves and count their own CPU; this Node process only relays.
 */
/** The Python that runs Celery's side (as the interop suite: $CELERY_PYTHON or Debian's). */
export const CELERY_PYTHON = process.env['CELERY_PYTHON'] ?? '/usr/bin/python3';
/** From the build (bench/peers/dist/peers/) back to the source folder, where the script stays. */
const SCRIPT = fileURLToPath(new URL('../../celery/bench_celery.py', import.meta.url));
const STOP_GRACE_MS = 15_000;
/**
 * How long the worker idles after its last task before it is told to stop: a warm shutdown right after
 * the last task closes the connection before the broker has read the last acks, and those tasks go back
 * to the queue (seen here as 112 of 200 left behind).
 */
const SETTLE_MS = 500;

interface Settings {
  readonly url: string;
  readonly queue: string;
  readonly prefetch: number;
}

function environment(settings: Settings, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    BENCH_BROKER_URL: settings.url,
    BENCH_QUEUE: settings.queue,
    BENCH_PREFETCH: String(settings.prefetch),
    // Python's stdout to a pipe is block-buffered; the replies are flushed, the rest need not wait.
    PYTHONUNBUFFERED: '1',
    ...extra,
  };
}

/** JSON lines from a stream, one at a time, in order. */
class Lines {
  private readonly queued: unknown[] = [];
  private readonly waiting: ((line: unknown) => void)[] = [];
  private ended: Error | undefined;
  private readonly failures: ((err: Error) => void)[] = [];
  private readonly reader: Interface;

  constructor(stream: Readable) {
    this.reader = createInterface({ input: stream });
    this.reader.on('line', (line) => {
      if (line.trim() === '') return;
      const value: unknown = JSON.parse(line);
      const next = this.waiting.shift();
      this.failures.shift();
      if (next) next(value);
      else this.queued.push(value);
    });
  }

  /** Fails every wait, now and later (the process exited). */
  fail(err: Error): void {
    this.ended = err;
    for (const reject of this.failures.splice(0)) reject(err);
    this.waiting.length = 0;
  }

  next(): Promise<unknown> {
    if (this.queued.length > 0) return Promise.resolve(this.queued.shift());
    if (this.ended) return Promise.reject(this.ended);
    return new Promise((resolve, reject) => {
      this.waiting.push(resolve);
      this.failures.push(reject);
    });
  }
}

function exited(child: ChildProcess, what: string, stderr: () => string): Promise<Error> {
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      resolve(new Error(`${what} exited (code ${code}, signal ${signal})\n${stderr()}`));
    });
  });
}

/** Keeps the last few KiB of a child's stderr, to say why it failed. */
function tail(stream: Readable | null): () => string {
  let text = '';
  stream?.setEncoding('utf8');
  stream?.on('data', (chunk: string) => {
    text = (text + chunk).slice(-4096);
  });
  return () => text;
}

/** The producer: one long-lived Python process that runs each publishing loop itself. */
export class CeleryProducerAgent implements Agent {
  private constructor(
    private readonly child: ChildProcess,
    private readonly replies: Lines,
  ) {}

  static async open(settings: Settings): Promise<CeleryProducerAgent> {
    const child = spawn(CELERY_PYTHON, [SCRIPT, 'producer'], {
      env: environment(settings),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const replies = new Lines(child.stdout);
    const stderr = tail(child.stderr);
    void exited(child, 'The Celery producer', stderr).then((err) => {
      replies.fail(err);
    });
    const ready = (await replies.next()) as { ready?: boolean };
    if (ready.ready !== true) throw new Error(`The Celery producer said ${JSON.stringify(ready)}`);
    return new CeleryProducerAgent(child, replies);
  }

  private async ask(command: object): Promise<unknown> {
    this.child.stdin!.write(`${JSON.stringify(command)}\n`);
    const reply = (await this.replies.next()) as { error?: string };
    if (reply.error !== undefined) throw new Error(reply.error);
    return reply;
  }

  async run(command: Command): Promise<unknown> {
    switch (command.cmd) {
      case 'enqueue':
        // py-amqp waits for each confirm: there is no window of unconfirmed publishes to keep.
        return this.ask({ cmd: 'enqueue', n: command.n });
      case 'paced':
        return this.ask(command);
      case 'exit':
        await this.ask({ cmd: 'exit' });
        this.child.stdin!.end();
        return null;
      default:
        throw new Error(`The Celery producer cannot ${command.cmd}`);
    }
  }
}

type WorkerEvent =
  | { readonly event: 'ready' }
  | ({ readonly event: 'done' } & ConsumerStats)
  | { readonly event: 'stopped'; readonly handled: number };

/**
 * The worker: a fresh `celery worker --pool=solo` process per phase (Celery's worker does not start again
 * once stopped), started before the clock of an end-to-end phase starts (`start` returns once it is
 * ready); its drain clock starts at its `worker_init` signal, before it connects.
 */
export class CeleryConsumerAgent implements Agent {
  private worker: ChildProcess | undefined;
  private events: Lines | undefined;
  private done: Promise<Error> | undefined;

  constructor(private readonly settings: Settings) {}

  private async next(): Promise<WorkerEvent> {
    return (await this.events!.next()) as WorkerEvent;
  }

  async run(command: Command): Promise<unknown> {
    switch (command.cmd) {
      case 'start': {
        if (this.worker) throw new Error('The Celery worker is already running');
        const worker = spawn(CELERY_PYTHON, [SCRIPT, 'worker'], {
          env: environment(this.settings, {
            BENCH_EXPECT: String(command.expect),
            BENCH_RECORD: command.record ? '1' : '0',
          }),
          // Its banner and warnings are noise unless it fails.
          stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
        });
        this.worker = worker;
        this.events = new Lines(worker.stdio[3] as Readable);
        const events = this.events;
        this.done = exited(worker, 'The Celery worker', tail(worker.stderr));
        void this.done.then((err) => {
          events.fail(err);
        });
        const ready = await this.next();
        if (ready.event !== 'ready') throw new Error(`The Celery worker said ${ready.event}`);
        return null;
      }
      case 'waitFor': {
        const timer = setTimeout(() => this.worker?.kill('SIGKILL'), command.timeoutMs);
        try {
          const done = await this.next();
          if (done.event !== 'done') throw new Error(`The Celery worker said ${done.event}`);
          const { event, ...stats } = done;
          return stats;
        } finally {
          clearTimeout(timer);
        }
      }
      case 'stop':
        return { handled: await this.stop() };
      case 'exit':
        if (this.worker) await this.stop();
        return null;
      default:
        throw new Error(`The Celery worker cannot ${command.cmd}`);
    }
  }

  /** A warm shutdown (SIGTERM): the task running finishes and is acked; returns how many it handled. */
  private async stop(): Promise<number> {
    const worker = this.worker!;
    const done = this.done!;
    this.worker = undefined;
    await sleep(SETTLE_MS);
    worker.kill('SIGTERM');
    const timer = setTimeout(() => worker.kill('SIGKILL'), STOP_GRACE_MS);
    try {
      let event = await this.next();
      while (event.event !== 'stopped') event = await this.next();
      await done;
      return event.handled;
    } finally {
      clearTimeout(timer);
    }
  }
}
