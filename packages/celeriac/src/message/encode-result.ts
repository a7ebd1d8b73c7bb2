/**
 * Encoding an rpc:// result message (celery-protocol.md §7), as a Celery 5.2 worker publishes it to the
 * caller's `reply_to` queue through the default exchange.
 */

import type { OutgoingMessage } from './amqp-message.js';
import { exceptionToWire } from './exception-info.js';
import { MessageEncodeError } from '../errors/message-encode.error.js';
import type { ResultMessage } from './result-message.js';
import { JSON_CONTENT_TYPE, UTF8 } from './task-message.js';

export interface EncodeResultOptions {
  /**
   * The request's `correlation_id`, when it differs from the task id. Python clients match finished
   * states by `task_id` and polls by `correlation_id`, so both normally carry the task id.
   * @defaultValue the task id
   */
  readonly correlationId?: string;
}

/**
 * Encodes a result. When `exception` is set it is what goes in `result` (as `{exc_type, exc_message,
 * exc_module}`), whatever `result` holds. Throws MessageEncodeError if the result is not JSON-serializable.
 */
export function encodeResult(
  result: ResultMessage,
  options: EncodeResultOptions = {},
): OutgoingMessage {
  if (result.taskId === '') {
    throw new MessageEncodeError('taskId', 'must be a non-empty string');
  }
  const body = {
    task_id: result.taskId,
    status: result.status,
    result: result.exception === null ? result.result : exceptionToWire(result.exception),
    traceback: result.traceback,
    children: result.children,
  };
  let json: string | undefined;
  try {
    // An undefined return value has no JSON form; Python's None is the closest.
    json = JSON.stringify(body, (key, value: unknown) =>
      key === 'result' && value === undefined ? null : value,
    );
  } catch (err) {
    throw new MessageEncodeError(
      'result',
      err instanceof Error ? err.message : 'not JSON-serializable',
      {
        cause: err,
      },
    );
  }
  return {
    content: Buffer.from(json, 'utf8'),
    properties: {
      contentType: JSON_CONTENT_TYPE,
      contentEncoding: UTF8,
      headers: {},
      // Celery's default (result_persistent off): results are transient.
      deliveryMode: 1,
      priority: 0,
      correlationId: options.correlationId ?? result.taskId,
    },
  };
}
