import type { TaskMessage } from '../src/message/task-message.js';

/** A decoded task with plain values (no eta, no expiry, a reply queue), changed where a test says. */
export function taskMessage(overrides: Partial<TaskMessage> = {}): TaskMessage {
  return {
    id: 'id-1',
    task: 'demo.add',
    args: [1, 2],
    kwargs: {},
    embed: { callbacks: null, errbacks: null, chain: null, chord: null },
    rootId: 'id-1',
    parentId: null,
    groupId: null,
    groupIndex: null,
    shadow: null,
    eta: null,
    expires: null,
    retries: 0,
    timeLimit: { hard: null, soft: null },
    ignoreResult: false,
    origin: 'gen1@client',
    lang: 'py',
    extraHeaders: {},
    correlationId: 'corr-1',
    replyTo: 'replies',
    priority: 0,
    ...overrides,
  };
}
