/**
 * Celeriac: Celery-grade background tasks for NestJS on RabbitMQ, speaking Celery message protocol 2.
 * This barrel is the public surface; anything not exported here is internal.
 */
export { TaskQueueModule } from './module/task-queue.module.js';
export type { TaskQueueModuleExtras } from './module/task-queue.module-definition.js';
export { TASK_TRANSPORT } from './options/task-queue.constants.js';
export { TaskQueueRuntime } from './runtime/task-queue.runtime.js';
export type { TaskQueueHealth } from './runtime/task-queue.runtime.js';
export type { ConnectionHealth } from './transport/broker-connection.js';
export type { PublisherHealth } from './transport/publish-request.js';
export type { WorkerHealth } from './runtime/worker-health.js';
export { TaskQueueHealthIndicator } from './health/task-queue-health.indicator.js';
export type {
  LivenessOptions,
  TaskQueueIndicatorDetails,
  TaskQueueIndicatorResult,
} from './health/task-queue-health.indicator.js';
export type { DeadLetterDepth } from './transport/dead-letter-watch.js';
export type { QueueConsumerHealth, QueueConsumerState } from './transport/queue-consumer.js';

export { TASK_QUEUE_DEFAULTS } from './options/task-queue-options.js';
export type {
  ExchangeType,
  QueueOptions,
  QueueType,
  DeadLetterOptions,
  ResolvedDeadLetterOptions,
  ResolvedResultBackend,
  ResolvedResultOptions,
  ResolvedEventOptions,
  ResolvedTaskQueueOptions,
  RevocationOptions,
  EventOptions,
  RouteTarget,
  TaskQueueOptions,
  TaskRoutes,
  WorkerOptions,
  PemInput,
  ResolvedTlsOptions,
  TlsOptions,
} from './options/task-queue-options.js';
export { resolveOptions } from './options/resolve-options.js';
export { BEAT_DEFAULTS } from './options/beat-options.js';
export type {
  BeatEntryOptions,
  BeatOptions,
  BeatSchedule,
  BeatSendOptions,
  ResolvedBeatEntry,
  ResolvedBeatOptions,
  ResolvedSchedule,
  MissedTickPolicy,
} from './options/beat-options.js';
export { Beat } from './beat/beat.js';
export { BeatService } from './runtime/beat.service.js';
export { Periodic } from './decorators/periodic.decorator.js';
export type { PeriodicOptions } from './decorators/periodic.decorator.js';
export type { BeatListing } from './beat/beat-listing.js';
export type { BeatListener, BeatStatus } from './beat/beat.js';
export { tickId } from './beat/tick-id.js';
export { parseScheduleFile } from './beat/schedule-file.js';
export { TICK_HEADERS } from './beat/tick-message.js';
export { beatNames } from './beat/beat-topology.js';
export type { BeatNames } from './beat/beat-topology.js';
export { ON_TIME_MS } from './beat/missed-ticks.js';
export { resolveBeatEntry } from './options/resolve-beat.js';

export { Task } from './decorators/task.decorator.js';
export type { TaskHandlerFor, TaskOptions } from './decorators/task.decorator.js';
export { RETRY_DEFAULTS } from './task/retry-policy.js';
export type { ErrorClass, TaskRetryOptions } from './task/retry-policy.js';
export type { RetryOptions } from './task/retry-options.js';
export { TaskRegistry } from './discovery/task-registry.js';

export { TaskClient } from './client/task-client.js';
export type { SendOptions } from './sending/send-options.js';
export type { SendCall } from './client/bulk-send.js';
export type { RevokeOptions } from './revocation/revoke-request.js';
export { defineTask } from './task/task-ref.js';
export type { TaskContract, TaskRef } from './task/task-ref.js';
export type { SchemaIssue } from './errors/schema-issues.js';
export { signature } from './canvas/task-signature.js';
export { chordSignature } from './canvas/chord-signature.js';
export type { ChordSignature } from './canvas/chord-signature.js';
export type {
  ArgsAfterFirst,
  SendWithLinksOptions,
  SignatureOptions,
  TaskSignature,
} from './canvas/task-signature.js';
export { UnsupportedSignatureError } from './errors/unsupported-signature.error.js';
export { AsyncResult } from './results/async-result.js';
export { GroupResult } from './results/group-result.js';
export type { GetResultOptions } from './results/async-result.js';
export type { ResultBackend } from './results/result-backend.js';
export type { ExceptionInfo, TaskState } from './message/result-message.js';
export type { TaskMessage } from './message/task-message.js';

export { TaskQueueServer } from './worker/task-queue.server.js';
export type { WorkerStatus } from './worker/task-queue.server.js';
export { TaskContext } from './task/task-context.js';
export type { TaskLimitOptions } from './task/task-limits.js';
export { SoftTimeLimitExceeded, TimeLimitExceeded } from './errors/time-limit.error.js';
export { runWorker } from './worker/run-worker.js';
export type { RunWorkerOptions } from './worker/run-worker.js';
export { parseWorkerFlags, WORKER_FLAGS_HELP } from './pool/worker-flags.js';
export type { WorkerFlags, WorkerPoolKind } from './pool/worker-flags.js';
export { DEAD_LETTER_HEADERS } from './dead-letters/dead-letter.js';
export { DeadLetters } from './client/dead-letters.service.js';
export {
  WorkerInspector,
  type WorkerCallOptions,
  type WorkerReplies,
} from './client/worker-inspector.service.js';
export { TaskEventStream } from './client/task-event-stream.service.js';
export type {
  ControlReply,
  InspectCommand,
  InspectReplies,
  QueueInfo,
  RequestInfo,
  ScheduledInfo,
  WorkerStats,
} from './control/reply-types.js';
export { INSPECT_COMMANDS } from './control/reply-types.js';
export type { CommandTarget } from './control/control-caller.js';
export {
  type CeleryEvent,
  EVENT_EXCHANGE,
  TASK_EVENT_TYPES,
  WORKER_EVENT_TYPES,
} from './events/celery-event.js';
export type { EventReceiverOptions } from './events/event-receiver.js';
export type {
  ListDeadLettersOptions,
  ReplayDeadLettersOptions,
} from './client/dead-letters.service.js';
export type { DeadLetter } from './dead-letters/dead-letter-record.js';
export { deadLetterQueueName } from './options/queue-declarations.js';
// The delay cascade's exchange and queue names, for operators who watch or remove them.
export { DELAY_LEVELS, delayNames } from './delays/delay-topology.js';
export type { DelayNames } from './delays/delay-topology.js';
export { redactUrl } from './errors/redact-url.js';

export { TaskQueueError, hasErrorCode } from './errors/task-queue.error.js';
export { BrokerUnreachableError } from './errors/broker-unreachable.error.js';
export { ReplyQueueError } from './errors/reply-queue.error.js';
export { QueueDeclarationError } from './errors/queue-declaration.error.js';
export { DeadLetterQueueMissingError } from './errors/dead-letter-queue-missing.error.js';
export { DeadLetterReplayError } from './errors/dead-letter-replay.error.js';
export { DuplicateTaskError } from './errors/duplicate-task.error.js';
export { IllegalStateError } from './errors/illegal-state.error.js';
export { InvalidOptionsError } from './errors/invalid-options.error.js';
export { InvalidRetryOptionsError } from './errors/invalid-retry-options.error.js';
export { InvalidTaskOptionsError } from './errors/invalid-task-options.error.js';
export { InvalidSendOptionsError } from './errors/invalid-send-options.error.js';
export { InvalidTaskArgumentsError } from './errors/invalid-task-arguments.error.js';
export { ValidationError } from './errors/validation.error.js';
export { InvalidRevokeError } from './errors/invalid-revoke.error.js';
export { RevocationStreamError } from './errors/revocation-stream.error.js';
export { NonRetryableError } from './errors/non-retryable.error.js';
export { PayloadTooLargeError } from './errors/payload-too-large.error.js';
export { PublishError } from './errors/publish.error.js';
export { PublishBacklogFullError } from './errors/publish-backlog-full.error.js';
export { PublishTimeoutError } from './errors/publish-timeout.error.js';
export type { PublishTimeoutCause } from './errors/publish-timeout.error.js';
export { ResultTimeoutError } from './errors/result-timeout.error.js';
export { ResultUnavailableError } from './errors/result-unavailable.error.js';
export type { ResultUnavailableReason } from './errors/result-unavailable.error.js';
export { TaskFailedError } from './errors/task-failed.error.js';
export { TaskRetryError } from './errors/task-retry.error.js';
export { TaskRevokedError } from './errors/task-revoked.error.js';
export { UnknownQueueError } from './errors/unknown-queue.error.js';
export { UnroutableError } from './errors/unroutable.error.js';
export { WorkerShutdownError } from './errors/worker-shutdown.error.js';
export { WorkerUsageError } from './errors/worker-usage.error.js';

// Types that the public signatures above name, exported so that users can name them too.
export type {
  DelayedDelivery,
  QueueLimitOptions,
  ResolvedQueue,
  ResolvedRevocationOptions,
  ResolvedWorkerOptions,
} from './options/task-queue-options.js';
export type { ResolveEnvironment } from './options/resolve-options.js';
export type { WorkerFlagsEnvironment } from './pool/worker-flags.js';
export type { ConsumerState } from './runtime/worker-health.js';
export type { RegisteredTask } from './discovery/task-registry.js';
export type { RetryRequest } from './errors/task-retry.error.js';
export type { IncomingFields } from './message/amqp-message.js';
export type { TaskHeaderSet } from './message/task-headers.js';
export type {
  SignatureOptionsWire,
  SignatureWire,
  TaskEmbedWire,
  TimeLimits,
} from './message/task-message.js';
export type { TaskMetadata } from './decorators/task.decorator.js';
