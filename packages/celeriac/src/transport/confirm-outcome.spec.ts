import { PublishError } from '../errors/publish.error.js';
import { confirmFailure, confirmOutcome, type ConfirmFacts } from './confirm-outcome.js';

const SIZE_LIMIT = new Error(
  'Channel closed by server: 406 (PRECONDITION-FAILED) with message "PRECONDITION_FAILED - message size 2048 is larger than configured max size 1024"',
);

function facts(overrides: Partial<ConfirmFacts>): ConfirmFacts {
  return {
    err: null,
    returnReason: undefined,
    lastChannelError: undefined,
    contentLength: 100,
    ...overrides,
  };
}

describe('confirmOutcome', () => {
  it('a nack is nacked (written again until its deadline), not a refusal', () => {
    expect(confirmOutcome(facts({ err: new Error('message nacked') }))).toEqual({ kind: 'nacked' });
  });

  it('an ack (null or undefined) without a return is delivered', () => {
    expect(confirmOutcome(facts({ err: null }))).toEqual({ kind: 'delivered' });
    expect(confirmOutcome(facts({ err: undefined }))).toEqual({ kind: 'delivered' });
  });

  it('an ack of a message the broker returned is returned, with its reason', () => {
    expect(confirmOutcome(facts({ returnReason: 'NO_ROUTE' }))).toEqual({
      kind: 'returned',
      reason: 'NO_ROUTE',
    });
  });

  it('a channel closed for this very message being too large is refused for good, with the fix', () => {
    const outcome = confirmOutcome(
      facts({
        err: new Error('channel closed'),
        lastChannelError: SIZE_LIMIT,
        contentLength: 2048,
      }),
    );
    expect(outcome.kind).toBe('refused');
    expect(outcome.kind === 'refused' && outcome.reason).toMatch(
      /its 2048 bytes are above the broker's max_message_size \(1024 bytes\).*maxPayloadBytes to at most 1024/,
    );
  });

  it('a channel closed for another message being too large only interrupts this one', () => {
    expect(
      confirmOutcome(
        facts({
          err: new Error('channel closed'),
          lastChannelError: SIZE_LIMIT,
          contentLength: 100,
        }),
      ),
    ).toEqual({ kind: 'interrupted' });
  });

  it('a channel or connection closed before the confirm interrupts it: it is written again', () => {
    expect(confirmOutcome(facts({ err: new Error('Channel closed') }))).toEqual({
      kind: 'interrupted',
    });
    expect(confirmOutcome(facts({ err: new Error('Connection closed: 320') }))).toEqual({
      kind: 'interrupted',
    });
  });

  it('a nack after the publisher closed fails the publish, worded so the caller knows to send it again with the same id', () => {
    const err = new Error('message nacked');
    const failure = confirmFailure(
      { kind: 'nacked' },
      { mandatory: true, what: 'task t[1]' },
      { exchange: '', routingKey: 'q' },
      err,
    );
    expect(failure).toBeInstanceOf(PublishError);
    expect(failure?.message).toContain(
      'RabbitMQ nacked it (an internal error of the queue); send it again with the same taskId',
    );
  });

  it('any other error refuses it with its own message', () => {
    expect(confirmOutcome(facts({ err: new Error('frame too large') }))).toEqual({
      kind: 'refused',
      reason: 'frame too large',
    });
  });
});
