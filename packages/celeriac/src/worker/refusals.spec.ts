import { taskMessage } from '../../spec-support/task-message.js';
import type { DecodeFailure } from '../message/decode-task.js';
import { expired, undecodable, undelayable, unknownTask } from './refusals.js';

const address = { taskId: 'id-1', task: 'demo.add', replyTo: 'replies', correlationId: 'corr-1' };

describe('refusals', () => {
  it('undecodable: FAILURE with what could be read, retries 0, InvalidTaskError naming the reason', () => {
    const failure: DecodeFailure = {
      ok: false,
      reason: 'bad-shape',
      detail: 'not a 3-element array',
      taskId: 'id-9',
      task: null,
      replyTo: 'r',
      correlationId: null,
    };
    expect(undecodable(failure)).toEqual({
      reason: 'bad-shape',
      detail: 'not a 3-element array',
      taskId: 'id-9',
      task: null,
      replyTo: 'r',
      correlationId: null,
      exception: {
        excType: 'InvalidTaskError',
        excModule: 'celery.exceptions',
        excMessage: ['bad-shape: not a 3-element array'],
      },
      state: 'FAILURE',
      retries: 0,
    });
  });

  it("undecodable: a content type we refuse is kombu's ContentDisallowed, with the detail alone", () => {
    const failure: DecodeFailure = {
      ok: false,
      reason: 'content-type',
      detail: 'application/x-python-serialize is not accepted',
      taskId: null,
      task: null,
      replyTo: null,
      correlationId: null,
    };
    expect(undecodable(failure).exception).toEqual({
      excType: 'ContentDisallowed',
      excModule: 'kombu.exceptions',
      excMessage: ['application/x-python-serialize is not accepted'],
    });
  });

  it("unknownTask: Celery's NotRegistered, naming the node, keeping the message's retries", () => {
    const r = unknownTask(taskMessage({ retries: 2 }), 'celeriac@host');
    expect(r).toMatchObject({
      ...address,
      reason: 'unknown-task',
      detail: 'no handler is registered for "demo.add" on celeriac@host',
      state: 'FAILURE',
      retries: 2,
    });
    expect(r.exception).toMatchObject({ excType: 'NotRegistered', excMessage: ['demo.add'] });
  });

  it("expired: REVOKED with TaskRevokedError('expired'), naming the expiry", () => {
    const r = expired(taskMessage({ expires: new Date('2026-01-01T00:00:00Z') }));
    expect(r).toMatchObject({
      ...address,
      reason: 'expired',
      detail: 'expired at 2026-01-01T00:00:00.000Z',
      state: 'REVOKED',
      retries: 0,
    });
    expect(r.exception).toMatchObject({ excType: 'TaskRevokedError', excMessage: ['expired'] });
  });

  it("undelayable: FAILURE bad-header with the scheduler's words", () => {
    const r = undelayable(taskMessage(), 'An eta 9e9 s away is beyond the delay cascade');
    expect(r).toMatchObject({
      ...address,
      reason: 'bad-header',
      detail: 'An eta 9e9 s away is beyond the delay cascade',
      state: 'FAILURE',
    });
    expect(r.exception).toMatchObject({
      excType: 'InvalidTaskError',
      excMessage: ['bad-header: An eta 9e9 s away is beyond the delay cascade'],
    });
  });
});
