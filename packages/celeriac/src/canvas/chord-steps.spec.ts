import { loadFixture, toIncomingMessage } from '../../spec-support/celery-fixtures.js';
import { decodeTask } from '../message/decode-task.js';
import type { SignatureWire, TaskMessage } from '../message/task-message.js';
import { chainNextSteps, type FollowUpContext } from './follow-ups.js';
import { UnsupportedSignatureError } from '../errors/unsupported-signature.error.js';
import { chordSignature, toWireChord } from './chord-signature.js';
import { signature } from './task-signature.js';

const plain = (
  task: string,
  args: unknown[],
  options: Record<string, unknown> = {},
): SignatureWire => ({
  task,
  args,
  kwargs: {},
  options,
  subtask_type: null,
  immutable: false,
});

const body = plain('tasks.tsum', [], { task_id: 'body-id', reply_to: 'rq' });

/** A chord as a Celery 5.2 client puts it in `embed.chain` for chain(add(1, 1), chord([add(0), add(1)], tsum())). */
const chordStep: SignatureWire = {
  task: 'celery.chord',
  args: [],
  kwargs: {
    kwargs: {},
    header: {
      task: 'celery.group',
      args: [],
      kwargs: {
        tasks: [
          plain('tasks.add', [0], { task_id: 'm0', chord: body, group_index: 0 }),
          plain('tasks.add', [1], { task_id: 'm1', chord: body, group_index: 1 }),
        ],
      },
      options: { task_id: 'group-id', chord: body },
      subtask_type: 'group',
      immutable: false,
    },
    body,
  },
  options: { task_id: 'group-id' },
  subtask_type: 'chord',
  immutable: false,
};

function firstStep(chain: SignatureWire[]): TaskMessage {
  const result = decodeTask(toIncomingMessage(loadFixture('task_chain_first')));
  if (!result.ok) throw new Error('fixture did not decode');
  return { ...result.message, embed: { ...result.message.embed, chain } };
}

function context(done: TaskMessage): FollowUpContext {
  return {
    rootId: done.rootId,
    parentId: done.id,
    origin: 'gen1@test',
    now: 0,
    newId: () => 'new',
  };
}

describe('a chord as the next step of a chain', () => {
  it('publishes every header member with the result first, the group id, its index and the body, sized first', () => {
    const done = firstStep([chordStep]);
    const steps = chainNextSteps(done, 2, context(done));
    expect(steps.map((s) => s.message.id)).toEqual(['m0', 'm1']);
    expect(steps.map((s) => s.message.args)).toEqual([
      [2, 0],
      [2, 1],
    ]);
    expect(steps.map((s) => s.message.groupId)).toEqual(['group-id', 'group-id']);
    expect(steps.map((s) => s.message.groupIndex)).toEqual([0, 1]);
    expect(steps.every((s) => s.message.embed.chord === body)).toBe(true);
    expect(steps[0]?.chordSize).toEqual({ groupId: 'group-id', size: 2 });
    expect(steps[1]?.chordSize).toBeUndefined();
  });

  it('refuses a step after the chord rather than dropping it', () => {
    const done = firstStep([plain('tasks.echo', []), chordStep]);
    expect(() => chainNextSteps(done, 2, context(done))).toThrow(UnsupportedSignatureError);
  });

  it('a plain next step is published as before', () => {
    const done = firstStep([plain('tasks.echo', [], { task_id: 'e' })]);
    expect(chainNextSteps(done, 2, context(done)).map((s) => s.message.args)).toEqual([[2]]);
  });
});

describe('toWireChord', () => {
  it("writes Celery's celery.chord shape, which a worker expands back into the frozen members", () => {
    const header = [signature('tasks.add', [0]), signature('tasks.add', [1])];
    const body = signature('tasks.tsum', [], {}, { queue: 'sums' });
    const chord = chordSignature(header, body);
    const wire = toWireChord(chord, 'rq', 0);
    expect(wire).toMatchObject({
      task: 'celery.chord',
      subtask_type: 'chord',
      options: { task_id: chord.groupId },
      kwargs: {
        kwargs: {},
        header: {
          task: 'celery.group',
          subtask_type: 'group',
          options: { task_id: chord.groupId },
        },
        body: { task: 'tasks.tsum', options: { task_id: body.id, reply_to: 'rq', queue: 'sums' } },
      },
    });
    expect(chord.id).toBe(body.id);
    const done = firstStep([wire]);
    const steps = chainNextSteps(done, 2, context(done));
    expect(steps.map((s) => s.message.id)).toEqual(header.map((h) => h.id));
    expect(steps.map((s) => s.message.groupIndex)).toEqual([0, 1]);
    expect(steps.map((s) => s.message.groupId)).toEqual([chord.groupId, chord.groupId]);
    expect(steps[0]?.message.embed.chord?.options.task_id).toBe(body.id);
  });
});
