import { asRecord, loadFixture } from '../../spec-support/celery-fixtures.js';
import { taskMessage } from '../../spec-support/task-message.js';
import {
  exceptionFields,
  notRegisteredFields,
  receivedFields,
  revokedFields,
  sentFields,
  startedFields,
  succeededFields,
} from './task-event-fields.js';

/** What every event carries whatever its type; compared apart (they differ per recording). */
const ENVELOPE = ['hostname', 'utcoffset', 'pid', 'clock', 'timestamp', 'type'];

/** The fields of the event of `type` in a captured batch, without the envelope. */
function captured(fixture: string, type: string): Record<string, unknown> {
  const body = loadFixture(fixture).body;
  const events = (Array.isArray(body) ? body : [body]).map((e) => asRecord(e));
  const event = events.find((e) => e['type'] === type);
  if (!event) throw new Error(`${fixture} has no ${type} event`);
  return Object.fromEntries(Object.entries(event).filter(([key]) => !ENVELOPE.includes(key)));
}

// The task of the captured batch: tasks.add(2, 3), sent by Celery at top level.
const ADD = taskMessage({
  id: 'd8ad4d01-eef3-436c-b652-65f6ce419065',
  task: 'tasks.add',
  args: [2, 3],
  rootId: 'd8ad4d01-eef3-436c-b652-65f6ce419065',
});

describe('task event fields, against what a Celery 5.2.6 worker sent for the same task', () => {
  it('task-received: repr strings for args and kwargs, and the workflow ids', () => {
    expect(receivedFields(ADD)).toEqual(captured('event_task_received', 'task-received'));
  });

  it('task-started: the id only', () => {
    expect(startedFields(ADD.id)).toEqual(captured('event_task_started', 'task-started'));
  });

  it('task-succeeded: the result as a repr string and the runtime in seconds', () => {
    const fields = succeededFields(ADD.id, 5, 0.009303348000003098);
    expect(fields).toEqual(captured('event_task_succeeded', 'task-succeeded'));
    expect(succeededFields(ADD.id, { ok: true, n: null }, 1)['result']).toBe(
      "{'ok': True, 'n': None}",
    );
  });

  it('task-sent: what the client knows, with where the task went', () => {
    const fields = sentFields(ADD, {
      queue: 'interop.capture.worker',
      exchange: '',
      routingKey: 'interop.capture.worker',
    });
    expect(fields).toEqual(captured('event_task_sent', 'task-sent'));
  });

  it('task-revoked: terminated, signum and expired', () => {
    const expired = captured('event_task_revoked', 'task-revoked');
    expect(revokedFields(String(expired['uuid']), false, true)).toEqual(expired);
    expect(revokedFields('t', true, false)).toEqual({
      uuid: 't',
      terminated: true,
      signum: 15,
      expired: false,
    });
  });

  it('task-failed and task-retried: the exception as Python would repr it, and the stack', () => {
    const failed = captured('event_task_failed', 'task-failed');
    const error = new TypeError('boom ✗');
    const fields = exceptionFields('t', error);
    expect(Object.keys(fields).sort()).toEqual(Object.keys(failed).sort());
    expect(fields['exception']).toBe("TypeError('boom ✗')");
    expect(fields['traceback']).toBe(error.stack);
    expect(exceptionFields('t', 'plain text')['exception']).toBe("Exception('plain text')");
  });

  it('a task nobody registered fails with NotRegistered, as Celery reports it', () => {
    expect(notRegisteredFields('t', 'tasks.nope')).toEqual({
      uuid: 't',
      exception: "NotRegistered('tasks.nope')",
      traceback: null,
    });
  });

  it('eta and expires as Python isoformat', () => {
    const at = new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 600));
    const fields = receivedFields(taskMessage({ eta: at, expires: at }));
    expect(fields['eta']).toBe('2026-01-02T03:04:05.600000+00:00');
    expect(fields['expires']).toBe('2026-01-02T03:04:05.600000+00:00');
  });
});
