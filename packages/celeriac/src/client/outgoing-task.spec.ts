import { signature } from '../canvas/task-signature.js';
import { resolveSendOptions, type SendOptions } from '../sending/send-options.js';
import { outgoingTaskMessage, type Lineage, type Outgoing } from './outgoing-task.js';

const NOW = Date.parse('2026-01-01T12:00:00Z');

function outgoing(options: SendOptions = {}, lineage: Lineage = {}, extra: Partial<Outgoing> = {}) {
  return {
    name: 'demo.add',
    args: [1, 2],
    kwargs: { z: 3 },
    lineage,
    resolved: resolveSendOptions(options, NOW),
    callbacks: [],
    errbacks: [],
    ...extra,
  } satisfies Outgoing;
}

describe('outgoingTaskMessage', () => {
  it('a plain send: its own root, the id as correlation id, our reply queue, nothing embedded', () => {
    const sent = outgoing();
    const message = outgoingTaskMessage(sent, 'id-1', 'replies', 'gen1@host', NOW);
    expect(message).toMatchObject({
      id: 'id-1',
      task: 'demo.add',
      args: [1, 2],
      kwargs: { z: 3 },
      rootId: 'id-1',
      parentId: null,
      groupId: null,
      retries: 0,
      origin: 'gen1@host',
      lang: 'js',
      correlationId: 'id-1',
      replyTo: 'replies',
      embed: { callbacks: null, errbacks: null, chain: null, chord: null },
    });
    // Copies: a caller mutating its arrays after send() cannot change what was published.
    expect(message.args).not.toBe(sent.args);
    expect(message.kwargs).not.toBe(sent.kwargs);
  });

  it('a send that ignores its result names no reply queue', () => {
    const message = outgoingTaskMessage(
      outgoing({ ignoreResult: true }),
      'id-1',
      'replies',
      'gen1@host',
      NOW,
    );
    expect(message.replyTo).toBeNull();
    expect(message.ignoreResult).toBe(true);
  });

  it('carries the resolved options: eta, expires, priority, headers, time limits', () => {
    const message = outgoingTaskMessage(
      outgoing({ countdown: 10, expires: 60, priority: 7, headers: { 'x-tenant': 'acme' } }),
      'id-1',
      null,
      'gen1@host',
      NOW,
    );
    expect(message.eta?.getTime()).toBe(NOW + 10_000);
    expect(message.expires?.getTime()).toBe(NOW + 60_000);
    expect(message.priority).toBe(7);
    expect(message.extraHeaders).toEqual({ 'x-tenant': 'acme' });
  });

  it('a workflow step keeps the root, group and chain of its workflow', () => {
    const chain = [
      {
        task: 'demo.next',
        args: [],
        kwargs: {},
        options: { task_id: 'id-2' },
        subtask_type: null,
        immutable: false,
      },
    ];
    const message = outgoingTaskMessage(
      outgoing({}, { rootId: 'root-0', groupId: 'group-1', chain }),
      'id-1',
      'replies',
      'gen1@host',
      NOW,
    );
    expect(message).toMatchObject({ rootId: 'root-0', groupId: 'group-1' });
    expect(message.embed.chain).toBe(chain);
  });

  it('callbacks and errbacks travel as wire signatures answering on our reply queue', () => {
    const done = signature('demo.done', [1]);
    const failed = signature('demo.failed', []);
    const message = outgoingTaskMessage(
      outgoing({}, {}, { callbacks: [done], errbacks: [failed] }),
      'id-1',
      'replies',
      'gen1@host',
      NOW,
    );
    expect(message.embed.callbacks).toEqual([
      expect.objectContaining({
        task: 'demo.done',
        args: [1],
        options: expect.objectContaining({ task_id: done.id, reply_to: 'replies' }) as unknown,
      }),
    ]);
    expect(message.embed.errbacks?.map((s) => s.task)).toEqual(['demo.failed']);
  });
});
