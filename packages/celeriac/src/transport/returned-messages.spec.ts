import type { Message } from 'amqplib';
import { ReturnedMessages } from './returned-messages.js';

/** A `basic.return` as amqplib hands it over: plain data. */
function returned(
  exchange: string,
  routingKey: string,
  correlationId: string | undefined,
  replyText?: string,
): Message {
  return {
    content: Buffer.from('[]'),
    fields: { exchange, routingKey, replyCode: 312, ...(replyText ? { replyText } : {}) },
    properties: { correlationId, headers: {} },
  } as unknown as Message;
}

describe('ReturnedMessages', () => {
  it('the confirm of a returned message takes its reason, once', () => {
    const returns = new ReturnedMessages();
    returns.record(returned('tasks', 'emails', 'id-1', 'NO_ROUTE'));
    expect(returns.size).toBe(1);
    expect(returns.take('tasks', 'emails', { correlationId: 'id-1' })).toBe('NO_ROUTE');
    expect(returns.size).toBe(0);
    expect(returns.take('tasks', 'emails', { correlationId: 'id-1' })).toBeUndefined();
  });

  it('matches on exchange, routing key and correlation id together', () => {
    const returns = new ReturnedMessages();
    returns.record(returned('tasks', 'emails', 'id-1', 'NO_ROUTE'));
    expect(returns.take('tasks', 'emails', { correlationId: 'id-2' })).toBeUndefined();
    expect(returns.take('tasks', 'reports', { correlationId: 'id-1' })).toBeUndefined();
    expect(returns.take('', 'emails', { correlationId: 'id-1' })).toBeUndefined();
    expect(returns.size).toBe(1);
  });

  it('a message without a correlation id matches one published without one', () => {
    const returns = new ReturnedMessages();
    returns.record(returned('', 'missing', undefined, 'NO_ROUTE'));
    expect(returns.take('', 'missing', {})).toBe('NO_ROUTE');
  });

  it("a return without reply text reads as NO_ROUTE; the broker's text is kept otherwise", () => {
    const returns = new ReturnedMessages();
    returns.record(returned('x', 'a', 'id-1'));
    returns.record(returned('x', 'b', 'id-1', 'NO_CONSUMERS'));
    expect(returns.take('x', 'a', { correlationId: 'id-1' })).toBe('NO_ROUTE');
    expect(returns.take('x', 'b', { correlationId: 'id-1' })).toBe('NO_CONSUMERS');
  });
});
