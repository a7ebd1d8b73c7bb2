import type { TaskMessage } from '../message/task-message.js';
import type { EventDispatcher } from './event-dispatcher.js';
import {
  exceptionFields,
  notRegisteredFields,
  receivedFields,
  rejectedFields,
  revokedFields,
  startedFields,
  succeededFields,
} from './task-event-fields.js';

/**
 * A worker's task events (`task-received` … `task-revoked`), switched on by the `taskEvents` option,
 * `-E`, or Celery's `enable_events` command, and off again by `disable_events`. The runner asks
 * `enabled` before each call, so with events off a task costs one property read and nothing else: no
 * event object, no repr, no timestamp.
 */
export class TaskEvents {
  enabled: boolean;

  constructor(
    private readonly dispatcher: EventDispatcher,
    enabled: boolean,
  ) {
    this.enabled = enabled;
  }

  received(message: TaskMessage): void {
    this.dispatcher.sendBuffered('task-received', receivedFields(message));
  }

  started(taskId: string): void {
    this.dispatcher.sendBuffered('task-started', startedFields(taskId));
  }

  succeeded(taskId: string, value: unknown, runtimeSeconds: number): void {
    this.dispatcher.sendBuffered('task-succeeded', succeededFields(taskId, value, runtimeSeconds));
  }

  failed(taskId: string, thrown: unknown): void {
    this.dispatcher.sendBuffered('task-failed', exceptionFields(taskId, thrown));
  }

  /** A task no handler is registered for: Celery reports it failed with `NotRegistered`. */
  unknownTask(taskId: string, name: string): void {
    this.dispatcher.sendBuffered('task-failed', notRegisteredFields(taskId, name));
  }

  retried(taskId: string, thrown: unknown): void {
    this.dispatcher.sendBuffered('task-retried', exceptionFields(taskId, thrown));
  }

  rejected(taskId: string, requeue: boolean): void {
    this.dispatcher.sendBuffered('task-rejected', rejectedFields(taskId, requeue));
  }

  revoked(taskId: string, terminated: boolean, expired: boolean): void {
    this.dispatcher.sendBuffered('task-revoked', revokedFields(taskId, terminated, expired));
  }
}
