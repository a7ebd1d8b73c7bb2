import { cpuMicros, now, sleep } from './clock.js';
import type { ProducerStats } from './protocol.js';
import type { Recorder } from './recorder.js';

/** One implementation's producing side: one confirmed, persistent publish per call. */
export interface ProducerSide {
  send(sentAt: number): Promise<unknown>;
  /** Only Celeriac has delayed tasks; the raw baseline leaves this out. */
  sendDelayed?(sentAt: number, countdownS: number): Promise<unknown>;
  close(): Promise<void>;
}

/** One implementation's consuming side; its task body is `recorder.handle()`. */
export interface ConsumerSide {
  /** Untimed set-up (Celeriac: compile the Nest module). */
  prepare(recorder: Recorder): Promise<void>;
  /** Connect and consume; timed from just before this call. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Publishes `n` tasks `window` at a time: a chunk of `window` sends in flight at once, then wait for all
 * their confirms (Promise.all), then the next chunk. Both implementations pipeline exactly this way.
 */
export async function enqueue(
  side: ProducerSide,
  n: number,
  window: number,
): Promise<ProducerStats> {
  const cpuStart = cpuMicros();
  const firstSendAt = now();
  for (let sent = 0; sent < n; sent += window) {
    const size = Math.min(window, n - sent);
    const chunk = new Array<Promise<unknown>>(size);
    for (let i = 0; i < size; i++) chunk[i] = side.send(now());
    await Promise.all(chunk);
  }
  const lastConfirmAt = now();
  return { sent: n, firstSendAt, lastConfirmAt, cpuMicros: cpuMicros() - cpuStart };
}

/**
 * Publishes `n` tasks at a steady `ratePerSec` from `startAt` (a `now()` time), each on its own schedule,
 * confirms awaited at the end.
 */
export async function paced(
  side: ProducerSide,
  n: number,
  ratePerSec: number,
  startAt: number,
): Promise<ProducerStats> {
  return scheduled(n, ratePerSec, (sentAt) => side.send(sentAt), startAt);
}

/** Publishes `n` delayed tasks at 1000/s with countdowns uniform in [minS, maxS]. */
export async function delayed(
  side: ProducerSide,
  n: number,
  minS: number,
  maxS: number,
): Promise<ProducerStats> {
  const send = side.sendDelayed?.bind(side);
  if (!send) throw new Error('This implementation has no delayed tasks');
  return scheduled(n, 1000, (sentAt) => send(sentAt, minS + Math.random() * (maxS - minS)));
}

async function scheduled(
  n: number,
  ratePerSec: number,
  send: (sentAt: number) => Promise<unknown>,
  startAt = now() + 5,
): Promise<ProducerStats> {
  const interval = 1000 / ratePerSec;
  const pending: Promise<unknown>[] = [];
  const cpuStart = cpuMicros();
  const t0 = startAt;
  let firstSendAt = Number.NaN;
  for (let i = 0; i < n; i++) {
    const wait = t0 + i * interval - now();
    if (wait > 0) await sleep(wait);
    const sentAt = now();
    if (i === 0) firstSendAt = sentAt;
    pending.push(send(sentAt));
  }
  await Promise.all(pending);
  const lastConfirmAt = now();
  return { sent: n, firstSendAt, lastConfirmAt, cpuMicros: cpuMicros() - cpuStart };
}
