/** The Celery protocol 2 codec: task and result messages, dates, header values, exceptions. */

export type {
  IncomingFields,
  IncomingMessage,
  IncomingProperties,
  OutgoingMessage,
  OutgoingProperties,
  TypedHeaderValue,
} from './amqp-message.js';
export { formatCeleryDate, parseCeleryDate } from './celery-date.js';
export {
  invalidTask,
  notRegistered,
  softTimeLimitExceeded,
  taskRevoked,
  timeLimitExceeded,
} from './celery-exceptions.js';
export { decodeResult } from './decode-result.js';
export type { ResultDecodeFailureReason, ResultDecodeResult } from './decode-result.js';
export { decodeTask } from './decode-task.js';
export type {
  DecodeFailure,
  DecodeFailureReason,
  DecodeResult,
  TaskIdentity,
} from './decode-task.js';
export { encodeResult } from './encode-result.js';
export type { EncodeResultOptions } from './encode-result.js';
export { encodeTask } from './encode-task.js';
export type { TaskHeaderSet } from './task-headers.js';
export {
  CELERIAC_EXCEPTION_MODULE,
  PYTHON_BUILTIN_EXCEPTIONS,
  exceptionToInfo,
  exceptionFromWire,
  exceptionToWire,
} from './exception-info.js';
export type { ThrownException, ExceptionWire } from './exception-info.js';
export { toAmqpHeaders, toHeaderValue, typedNumber } from './header-values.js';
export { DEFAULT_MAX_DEPTH, DEFAULT_MAX_PAYLOAD_BYTES } from './json-payload.js';
export type { DecodeLimits } from './json-payload.js';
export { MessageEncodeError } from '../errors/message-encode.error.js';
export { PROTOCOL_HEADERS } from './protocol-headers.js';
export type { ProtocolHeader } from './protocol-headers.js';
export { READY_STATES } from './result-message.js';
export type { ExceptionInfo, ResultMessage, TaskState } from './result-message.js';
export { JSON_CONTENT_TYPE, TASK_LANG, UTF8 } from './task-message.js';
export type {
  SignatureOptionsWire,
  SignatureWire,
  TaskEmbedWire,
  TaskMessage,
  TimeLimits,
} from './task-message.js';
