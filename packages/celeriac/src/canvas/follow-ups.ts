import { parseCeleryDate } from '../message/celery-date.js';
import type { SignatureOptionsWire, SignatureWire, TaskMessage } from '../message/task-message.js';
import type { RouteTarget } from '../options/task-queue-options.js';
import { UnsupportedSignatureError } from '../errors/unsupported-signature.error.js';

/** A task message a worker publishes because another finished, with where it goes. */
export interface FollowUp {
  readonly message: TaskMessage;
  readonly route: RouteTarget;
  /**
   * Set on the first member of a chord a worker starts (a chord step of a chain, or a chord callback):
   * the header size to store before any member is published.
   */
  readonly chordSize?: { readonly groupId: string; readonly size: number };
}

/** What building follow-ups needs besides the signature: identity, clock and lineage. */
export interface FollowUpContext {
  readonly rootId: string;
  readonly parentId: string;
  readonly origin: string;
  readonly now: number;
  readonly newId: () => string;
}

/**
 * The next step of a chain (celery-protocol.md §5): the last element of `embed.chain`, with the return
 * value put in front of its args, carrying the rest of the chain.
 */
export function chainNext(
  done: TaskMessage,
  value: unknown,
  ctx: FollowUpContext,
): FollowUp | null {
  const chain = done.embed.chain;
  if (!chain || chain.length === 0) return null;
  const next = chain[chain.length - 1] as unknown;
  return fromSignature(next, [value], ctx, { chain: chain.slice(0, -1), groupId: null });
}

/**
 * Success callbacks (`link`): each gets the return value in front of its args. One callback is sent as a
 * plain task; several go out as one group, as Celery does.
 */
export function successCallbacks(
  done: TaskMessage,
  value: unknown,
  ctx: FollowUpContext,
): FollowUp[] {
  const callbacks = done.embed.callbacks ?? [];
  const groupId = callbacks.length > 1 ? ctx.newId() : null;
  return callbacks.flatMap((sig: unknown) => expand(sig, [value], ctx, groupId));
}

/**
 * Error callbacks (`link_error`): each is sent with the failed task's id in front of its args, as a
 * one-member group, which is what a Celery 5.2 worker does for single-argument errbacks.
 */
export function errorCallbacks(done: TaskMessage, ctx: FollowUpContext): FollowUp[] {
  return (done.embed.errbacks ?? []).flatMap((sig: unknown) =>
    expand(sig, [done.id], ctx, ctx.newId()),
  );
}

/** A plain signature, or a `celery.group` / `celery.chain` one expanded into its first messages. */
export function expand(
  sig: unknown,
  prepend: readonly unknown[],
  ctx: FollowUpContext,
  groupId: string | null,
): FollowUp[] {
  const wire = asSignature(sig);
  switch (wire.subtask_type) {
    case null:
      return [fromSignature(wire, prepend, ctx, { chain: null, groupId })];
    case 'group': {
      const id = stringOption(wire.options, 'group_id') ?? ctx.newId();
      return membersOf(wire).map((member) =>
        fromSignature(member, prepend, ctx, { chain: null, groupId: id }),
      );
    }
    case 'chain': {
      const [first, ...rest] = membersOf(wire);
      if (!first) return [];
      return [fromSignature(first, prepend, ctx, { chain: rest.reverse(), groupId })];
    }
    case 'chord':
      return chordMembers(wire, prepend, ctx);
    default:
      throw unsupported(
        wire,
        `a "${wire.subtask_type}" signature needs a result backend that counts (chords are not supported with rpc://)`,
      );
  }
}

/**
 * The header members of a `celery.chord` signature (`kwargs.header`: a `celery.group` signature or a list,
 * `kwargs.body`), each carrying the body and its index, as Celery's `chord.run` sends them. The group id is
 * the header group's frozen id, as Celery's.
 */
function chordMembers(
  wire: SignatureWire,
  prepend: readonly unknown[],
  ctx: FollowUpContext,
): FollowUp[] {
  const headerValue: unknown = wire.kwargs['header'];
  if (
    !isPlainObject(wire.kwargs['body']) ||
    !(Array.isArray(headerValue) || isPlainObject(headerValue))
  )
    throw unsupported(wire, 'a chord without kwargs.header and kwargs.body');
  const header = Array.isArray(headerValue)
    ? headerValue.map(asSignature)
    : membersOf(asSignature(headerValue));
  const body = asSignature(wire.kwargs['body']);
  if (body.subtask_type !== null) throw unsupported(wire, `a "${body.subtask_type}" chord body`);
  const headerOptions = isPlainObject(headerValue) ? asSignature(headerValue).options : {};
  const groupId =
    stringOption(headerOptions, 'task_id') ?? stringOption(wire.options, 'task_id') ?? ctx.newId();
  const followUps = header.map((member, i) =>
    fromSignature(
      {
        ...member,
        options: {
          ...member.options,
          chord: member.options.chord ?? body,
          group_index: member.options.group_index ?? i,
        },
      },
      prepend,
      ctx,
      { chain: null, groupId },
    ),
  );
  const [first, ...rest] = followUps;
  if (!first) return [];
  return [{ ...first, chordSize: { groupId, size: followUps.length } }, ...rest];
}

/**
 * The next step of a chain as the messages to publish: one for a plain step, every header member for a
 * chord step (Celery's `chain(a, chord(header, body))`). A chord step must be the last: Celery moves what
 * follows it onto the body, which we do not.
 */
export function chainNextSteps(
  done: TaskMessage,
  value: unknown,
  ctx: FollowUpContext,
): FollowUp[] {
  const chain = done.embed.chain;
  const next = chain?.[chain.length - 1] as unknown;
  if (!chain || next === undefined) return [];
  const wire = asSignature(next);
  if (wire.subtask_type !== 'chord') {
    const step = chainNext(done, value, ctx);
    return step ? [step] : [];
  }
  if (chain.length > 1) throw unsupported(wire, 'a chain step after a chord');
  return chordMembers(wire, [value], ctx);
}

function membersOf(wire: SignatureWire): SignatureWire[] {
  const tasks: unknown = wire.kwargs['tasks'];
  if (!Array.isArray(tasks))
    throw unsupported(wire, `a "${wire.subtask_type ?? ''}" signature without kwargs.tasks`);
  return tasks.map((member: unknown) => {
    const m = asSignature(member);
    if (m.subtask_type !== null)
      throw unsupported(
        m,
        `a "${m.subtask_type}" signature nested inside a ${wire.subtask_type ?? ''}`,
      );
    return m;
  });
}

/** Builds one task message from a plain signature, the way Celery's `Signature.apply_async` does. */
export function fromSignature(
  sig: unknown,
  prepend: readonly unknown[],
  ctx: FollowUpContext,
  place: { chain: SignatureWire[] | null; groupId: string | null },
): FollowUp {
  const wire = asSignature(sig);
  if (wire.subtask_type !== null)
    throw unsupported(wire, `a "${wire.subtask_type}" signature as a chain step`);
  const o = wire.options;
  const id = stringOption(o, 'task_id') ?? ctx.newId();
  const countdown = typeof o.countdown === 'number' ? o.countdown : null;
  const expires = o.expires;
  const message: TaskMessage = {
    id,
    task: wire.task,
    args: wire.immutable ? [...wire.args] : [...prepend, ...wire.args],
    kwargs: { ...wire.kwargs },
    embed: {
      callbacks: signatureList(o.link),
      errbacks: signatureList(o.link_error),
      chain: place.chain,
      chord: o.chord ?? null,
    },
    rootId: ctx.rootId,
    parentId: ctx.parentId,
    groupId: stringOption(o, 'group_id') ?? place.groupId,
    groupIndex: typeof o.group_index === 'number' ? o.group_index : null,
    shadow: stringOption(o, 'shadow'),
    eta: countdown !== null ? new Date(ctx.now + countdown * 1000) : parseCeleryDate(o.eta),
    expires:
      typeof expires === 'number' ? new Date(ctx.now + expires * 1000) : parseCeleryDate(expires),
    retries: 0,
    timeLimit: {
      hard: typeof o.time_limit === 'number' ? o.time_limit : null,
      soft: typeof o.soft_time_limit === 'number' ? o.soft_time_limit : null,
    },
    ignoreResult: o['ignore_result'] === true,
    origin: ctx.origin,
    lang: null,
    extraHeaders: isPlainObject(o.headers) ? { ...o.headers } : {},
    correlationId: id,
    replyTo: stringOption(o, 'reply_to'),
    priority: typeof o.priority === 'number' ? o.priority : null,
  };
  const route: RouteTarget = {};
  const queue = stringOption(o, 'queue');
  const exchange = typeof o.exchange === 'string' ? o.exchange : null;
  const routingKey = stringOption(o, 'routing_key');
  if (queue !== null) route.queue = queue;
  if (exchange !== null) route.exchange = exchange;
  if (routingKey !== null) route.routingKey = routingKey;
  return { message, route };
}

/** Checks the shape Celery gives a signature; `options` may be absent in hand-written ones. */
function asSignature(value: unknown): SignatureWire {
  if (!isPlainObject(value) || typeof value['task'] !== 'string') {
    throw new UnsupportedSignatureError('a signature without a task name', null, null);
  }
  const options = isPlainObject(value['options']) ? (value['options'] as SignatureOptionsWire) : {};
  const args: unknown = value['args'] ?? [];
  const kwargs: unknown = value['kwargs'] ?? {};
  const subtaskType: unknown = value['subtask_type'] ?? null;
  const wire: SignatureWire = {
    task: value['task'],
    args: Array.isArray(args) ? (args as unknown[]) : [],
    kwargs: isPlainObject(kwargs) ? kwargs : {},
    options,
    subtask_type: typeof subtaskType === 'string' ? subtaskType : null,
    immutable: value['immutable'] === true,
  };
  if (!Array.isArray(args) || !isPlainObject(kwargs))
    throw unsupported(wire, 'a signature whose args or kwargs are malformed');
  return wire;
}

function signatureList(value: unknown): SignatureWire[] | null {
  if (value === undefined || value === null) return null;
  return (Array.isArray(value) ? value : [value]).map(asSignature);
}

function stringOption(options: SignatureOptionsWire, key: string): string | null {
  const value = options[key];
  return typeof value === 'string' && value.length > 0 ? value : null;
}

function unsupported(wire: SignatureWire, reason: string): UnsupportedSignatureError {
  return new UnsupportedSignatureError(
    `Cannot run ${reason} (task "${wire.task}")`,
    stringOption(wire.options, 'task_id'),
    stringOption(wire.options, 'reply_to'),
  );
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
