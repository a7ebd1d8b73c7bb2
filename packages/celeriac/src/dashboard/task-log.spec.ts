import type { CeleryEvent } from '../events/celery-event.js';
import { TaskLog } from './task-log.js';

let clock = 1_000;
function event(type: string, uuid: string, fields: Record<string, unknown> = {}): CeleryEvent {
  return {
    type,
    uuid,
    hostname: 'w1@host',
    pid: 1,
    clock: 1,
    timestamp: clock++,
    utcoffset: 0,
    ...fields,
  };
}

describe('TaskLog', () => {
  it('merges a task’s events into one record, state from the latest', () => {
    const log = new TaskLog(10);
    log.record(event('task-received', 'a', { name: 'add', args: '(2, 3)', kwargs: '{}' }));
    log.record(event('task-started', 'a'));
    const done = log.record(event('task-succeeded', 'a', { result: '5', runtime: 0.01 }));
    expect(done).toMatchObject({
      id: 'a',
      name: 'add',
      state: 'SUCCESS',
      args: '(2, 3)',
      result: '5',
      runtime: 0.01,
      worker: 'w1@host',
    });
    expect(done?.timeline.map((e) => e.type)).toEqual([
      'task-received',
      'task-started',
      'task-succeeded',
    ]);
    expect(log.eventsSeen).toBe(3);
  });

  it('keeps each retry’s error in the timeline, and clears the exception once it succeeds', () => {
    const log = new TaskLog(10);
    log.record(event('task-received', 'r', { name: 'flaky', retries: 0 }));
    log.record(event('task-retried', 'r', { exception: "Flaky('1')", traceback: 'tb1' }));
    log.record(event('task-received', 'r', { name: 'flaky', retries: 1 }));
    expect(log.get('r')).toMatchObject({ state: 'RECEIVED', exception: "Flaky('1')", retries: 1 });
    log.record(event('task-succeeded', 'r', { result: "'ok'" }));
    const record = log.get('r');
    expect(record).toMatchObject({
      state: 'SUCCESS',
      exception: null,
      traceback: null,
      retries: 1,
    });
    expect(record?.timeline.filter((e) => e.exception !== null).map((e) => e.exception)).toEqual([
      "Flaky('1')",
    ]);
  });

  it('a late task-sent (another connection) never hides what the worker said', () => {
    const log = new TaskLog(10);
    log.record(event('task-failed', 'f', { exception: "TypeError('x')", traceback: 'tb' }));
    clock -= 10;
    const after = log.record({
      ...event('task-sent', 'f', { name: 'boom', queue: 'celery' }),
      hostname: 'gen1@api',
    });
    expect(after).toMatchObject({
      state: 'FAILURE',
      name: 'boom',
      worker: 'w1@host',
      traceback: 'tb',
    });
    expect(after?.timeline[0]?.type).toBe('task-sent');
  });

  it('drops the least recently updated task beyond its capacity', () => {
    const log = new TaskLog(2);
    log.record(event('task-received', 'one'));
    log.record(event('task-received', 'two'));
    log.record(event('task-started', 'one'));
    log.record(event('task-received', 'three'));
    expect(log.size).toBe(2);
    expect(log.get('two')).toBeNull();
    expect(log.search().map((t) => t.id)).toEqual(['three', 'one']);
  });

  it('ignores worker events and events without a task id', () => {
    const log = new TaskLog(2);
    const { uuid: _uuid, ...noId } = event('task-received', 'x');
    expect(log.record(noId)).toBeNull();
    expect(log.record(event('worker-heartbeat', 'x'))).toBeNull();
    expect(log.eventsSeen).toBe(0);
  });

  it('searches by part of the id or name, case-insensitive, and by state, newest first', () => {
    const log = new TaskLog(10);
    log.record(event('task-received', 'abc-123', { name: 'emails.send' }));
    log.record(event('task-failed', 'def-456', { name: 'orders.charge' }));
    log.record(event('task-received', 'ghi-789', { name: 'Emails.digest' }));
    expect(log.search({ text: 'EMAILS' }).map((t) => t.id)).toEqual(['ghi-789', 'abc-123']);
    expect(log.search({ text: 'f-45' }).map((t) => t.id)).toEqual(['def-456']);
    expect(log.search({ state: 'FAILURE' }).map((t) => t.id)).toEqual(['def-456']);
    expect(log.search({ text: 'emails', state: 'FAILURE' })).toEqual([]);
    expect(log.search({ limit: 1 })).toHaveLength(1);
  });

  it('caps a runaway task’s timeline', () => {
    const log = new TaskLog(1);
    for (let i = 0; i < 150; i++)
      log.record(event('task-retried', 'loop', { exception: `E(${i})` }));
    expect(log.get('loop')?.timeline).toHaveLength(100);
    expect(log.get('loop')?.timeline.at(-1)?.exception).toBe('E(149)');
  });
});
