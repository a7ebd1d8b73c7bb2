/** What happened to one delivery; for metrics, events and tests. */
export type TaskOutcome =
  'succeeded' | 'failed' | 'retried' | 'rejected' | 'revoked' | 'deferred' | 'requeued';
