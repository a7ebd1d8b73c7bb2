import type { ResultMessage } from '../message/result-message.js';

/**
 * Where a handle reads its result when the backend stores results instead of pushing them (Redis): the
 * handle asks only when `get()`, `refresh()` or `forget()` is called, so a send nobody reads costs nothing.
 */
export interface ResultSource {
  /**
   * Resolves the final state (SUCCESS, FAILURE, REVOKED). `timeoutMs` 0 waits until it comes or the backend
   * closes.
   * @throws ResultTimeoutError when nothing final came in time
   * @throws ResultUnavailableError when the store is unreachable or the backend closed
   */
  waitFor(taskId: string, timeoutMs: number): Promise<ResultMessage>;
  /** The state stored now, or null (PENDING: unknown or not started). */
  peek(taskId: string): Promise<ResultMessage | null>;
  /** Deletes the stored result. */
  forget(taskId: string): Promise<void>;
}
