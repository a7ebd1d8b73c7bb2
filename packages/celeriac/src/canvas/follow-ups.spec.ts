import { loadFixture, toIncomingMessage } from '../../spec-support/celery-fixtures.js';
import { decodeTask } from '../message/decode-task.js';
import type { TaskMessage } from '../message/task-message.js';
import { chainNext, errorCallbacks, successCallbacks, type FollowUpContext } from './follow-ups.js';
import { UnsupportedSignatureError } from '../errors/unsupported-signature.error.js';

function decoded(name: string): TaskMessage {
  const result = decodeTask(toIncomingMessage(loadFixture(name)));
  if (!result.ok) throw new Error(`fixture ${name} did not decode: ${result.reason}`);
  return result.message;
}

function context(done: TaskMessage): FollowUpContext {
  let n = 0;
  return {
    rootId: done.rootId,
    parentId: done.id,
    origin: 'gen1@test',
    now: Date.UTC(2026, 0, 1),
    newId: () => `new-${++n}`,
  };
}

describe('follow-ups a worker publishes (checked against what Celery 5.2 workers publish)', () => {
  it('chain: pops the LAST element, puts the result first, carries the rest and the lineage', () => {
    const first = decoded('task_chain_first'); // add(1,1) | add(10) | add(100)
    const next = chainNext(first, 2, context(first));
    const chain = first.embed.chain ?? [];
    expect(next?.message.task).toBe('tasks.add');
    expect(next?.message.args).toEqual([2, 10]);
    expect(next?.message.id).toBe(chain[1]?.options.task_id);
    expect(next?.message.replyTo).toBe(chain[1]?.options.reply_to);
    expect(next?.message.correlationId).toBe(next?.message.id);
    expect(next?.message.rootId).toBe(first.rootId);
    expect(next?.message.parentId).toBe(first.id);
    expect(next?.message.embed.chain).toEqual([chain[0]]);

    // Same shape as the fixture a Celery worker published for its next step.
    const byWorker = decoded('task_chain_next_by_worker');
    expect(byWorker.args).toEqual([2, 10]);
    expect(byWorker.parentId).toBe(byWorker.rootId);
    expect(byWorker.embed.chain).toEqual([]);
  });

  it('chain: nothing after the last step', () => {
    const last = { ...decoded('task_chain_next_by_worker') };
    expect(chainNext(last, 12, context(last))).toBeNull();
  });

  it('link: the callback gets the result in front of its args', () => {
    const parent = decoded('task_link');
    const [callback] = successCallbacks(parent, 5, context(parent));
    const sig = parent.embed.callbacks?.[0];
    expect(callback?.message.task).toBe(sig?.task);
    expect(callback?.message.args).toEqual([5, ...(sig?.args ?? [])]);
    expect(callback?.message.parentId).toBe(parent.id);
    expect(callback?.message.groupId).toBeNull();
  });

  it('link_error: a one-member group with the failed id as the only argument', () => {
    const parent = decoded('task_link_error');
    const [errback] = errorCallbacks(parent, context(parent));
    expect(errback?.message.args).toEqual([parent.id, ...(parent.embed.errbacks?.[0]?.args ?? [])]);
    expect(errback?.message.groupId).toBe('new-1');
    expect(errback?.message.rootId).toBe(parent.rootId);
    // The Python worker's errback looks the same.
    const byWorker = decoded('task_link_error_by_worker');
    expect(byWorker.groupId).not.toBeNull();
    expect(byWorker.args).toEqual([byWorker.parentId]);
  });

  it('several callbacks go out as one group', () => {
    const parent = decoded('task_link');
    const sig = parent.embed.callbacks?.[0];
    if (!sig) throw new Error('fixture has no callback');
    const twice = {
      ...parent,
      embed: { ...parent.embed, callbacks: [sig, { ...sig, options: {} }] },
    };
    const out = successCallbacks(twice, 1, context(twice));
    expect(out).toHaveLength(2);
    expect(new Set(out.map((f) => f.message.groupId))).toEqual(new Set(['new-1']));
  });

  it('immutable signatures keep their own args', () => {
    const parent = decoded('task_link');
    const sig = parent.embed.callbacks?.[0];
    if (!sig) throw new Error('fixture has no callback');
    const immutable = {
      ...parent,
      embed: { ...parent.embed, callbacks: [{ ...sig, immutable: true }] },
    };
    expect(successCallbacks(immutable, 5, context(immutable))[0]?.message.args).toEqual(sig.args);
  });

  it('maps signature options to the message and its route', () => {
    const parent = decoded('task_link');
    const callback = {
      task: 'media.encode',
      args: [],
      kwargs: { fmt: 'mp4' },
      subtask_type: null,
      immutable: false,
      options: {
        task_id: 'cb-1',
        reply_to: 'rq',
        queue: 'media',
        routing_key: 'media.video',
        priority: 3,
        countdown: 5,
        expires: 60,
        time_limit: 30,
        soft_time_limit: 10,
        headers: { 'x-trace': 't' },
      },
    };
    const withOptions = { ...parent, embed: { ...parent.embed, callbacks: [callback] } };
    const ctx = context(withOptions);
    const [out] = successCallbacks(withOptions, 'r', ctx);
    expect(out?.route).toEqual({ queue: 'media', routingKey: 'media.video' });
    expect(out?.message).toMatchObject({
      id: 'cb-1',
      replyTo: 'rq',
      priority: 3,
      kwargs: { fmt: 'mp4' },
      extraHeaders: { 'x-trace': 't' },
      timeLimit: { hard: 30, soft: 10 },
      origin: 'gen1@test',
    });
    expect(out?.message.eta?.getTime()).toBe(ctx.now + 5_000);
    expect(out?.message.expires?.getTime()).toBe(ctx.now + 60_000);
  });

  it('expands a group callback and refuses a malformed chord (no header, no body), naming the step to fail', () => {
    const parent = decoded('task_link');
    const member = {
      task: 'tasks.echo',
      args: [],
      kwargs: {},
      options: {},
      subtask_type: null,
      immutable: false,
    };
    const group = {
      task: 'celery.group',
      args: [],
      kwargs: { tasks: [member, member] },
      options: {},
      subtask_type: 'group',
      immutable: false,
    };
    const withGroup = { ...parent, embed: { ...parent.embed, callbacks: [group] } };
    expect(successCallbacks(withGroup, 1, context(withGroup))).toHaveLength(2);

    const chord = {
      ...group,
      task: 'celery.chord',
      subtask_type: 'chord',
      options: { task_id: 'c1', reply_to: 'rq' },
    };
    const withChord = { ...parent, embed: { ...parent.embed, callbacks: [chord] } };
    const error = (() => {
      try {
        successCallbacks(withChord, 1, context(withChord));
        return null;
      } catch (e: unknown) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(UnsupportedSignatureError);
    expect((error as UnsupportedSignatureError).taskId).toBe('c1');
    expect((error as UnsupportedSignatureError).replyTo).toBe('rq');
  });
});
