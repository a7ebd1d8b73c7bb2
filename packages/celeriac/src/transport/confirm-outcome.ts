import { brokerRefusal, describe, isChannelClosed, isNack } from './publish-failures.js';
import { PublishError } from '../errors/publish.error.js';
import { UnroutableError } from '../errors/unroutable.error.js';
import type { PublishRequest, PublishTarget } from './publish-request.js';

/** What a publish's confirm callback means for it. */
export type ConfirmOutcome =
  | { readonly kind: 'delivered' }
  /** Returned by the broker as unroutable; an error only when the publish was mandatory. */
  | { readonly kind: 'returned'; readonly reason: string }
  /** Refused for good (too large for the broker, or nacked): fails with this text. */
  | { readonly kind: 'refused'; readonly reason: string }
  /** Its channel closed before the confirm: it may or may not have arrived, so write it again. */
  | { readonly kind: 'interrupted' }
  /**
   * Nacked by the broker: the queue did not take it. Written again until its deadline, since RabbitMQ
   * 3.10 can nack every publish to a quorum queue for a while after its leader's node died.
   */
  | { readonly kind: 'nacked' };

/** The facts a confirm is judged on. */
export interface ConfirmFacts {
  /** amqplib's confirm callback argument: `null`/`undefined` for an ack, an Error otherwise. */
  readonly err: unknown;
  /** The return recorded for this message, if the broker returned it. */
  readonly returnReason: string | undefined;
  /** Why the broker last closed the publishing channel, if it did. */
  readonly lastChannelError: Error | undefined;
  readonly contentLength: number;
}

/**
 * Decides what a confirm means, without side effects, so every branch is testable on its own. Order
 * matters: a returned message is also acked; a message over the broker's size limit also closes the
 * channel, and republishing it would only close the shared channel again.
 */
export function confirmOutcome(facts: ConfirmFacts): ConfirmOutcome {
  if (facts.err === null || facts.err === undefined) {
    return facts.returnReason === undefined
      ? { kind: 'delivered' }
      : { kind: 'returned', reason: facts.returnReason };
  }
  const refusal = brokerRefusal(facts.lastChannelError, facts.contentLength);
  if (refusal !== undefined) return { kind: 'refused', reason: refusal };
  if (isChannelClosed(facts.err)) return { kind: 'interrupted' };
  if (isNack(facts.err)) return { kind: 'nacked' };
  return { kind: 'refused', reason: describe(facts.err) };
}

/**
 * The error a publish fails with for a settled outcome, or undefined when it succeeded: a returned
 * message is unroutable only when it was `mandatory`; a refused one is a `PublishError`.
 */
export function confirmFailure(
  outcome: Exclude<ConfirmOutcome, { kind: 'interrupted' }>,
  request: Pick<PublishRequest, 'mandatory' | 'what'>,
  where: PublishTarget,
  err: unknown,
): Error | undefined {
  switch (outcome.kind) {
    case 'delivered':
      return undefined;
    case 'returned':
      return request.mandatory
        ? new UnroutableError(where.exchange, where.routingKey, outcome.reason)
        : undefined;
    case 'refused':
      return new PublishError(request.what, outcome.reason, { cause: err });
    case 'nacked':
      return new PublishError(request.what, describe(err), { cause: err });
  }
}
