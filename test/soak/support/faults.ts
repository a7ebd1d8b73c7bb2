import type { RabbitNode } from '../../cluster/support/rabbit-node.js';

/**
 * The fault catalogue (reliability.md §6) as the soak injects it, against a node it started itself.
 * Each fault resolves once the fault is over (the broker is back, the alarm cleared); worker faults are
 * the soak's own (it owns the worker processes).
 */
export type BrokerFault = 'close-connections' | 'stop-app' | 'kill-broker' | 'memory-alarm';
export type WorkerFault = 'kill-worker' | 'term-worker';
export type Fault = BrokerFault | WorkerFault;

export const FAULTS: readonly Fault[] = [
  'close-connections',
  'stop-app',
  'kill-broker',
  'memory-alarm',
  'kill-worker',
  'term-worker',
];

/** Waits `ms` (a fault's length, never a wait for something to happen). */
function hold(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Injects `fault` on `node` and returns once it is over. */
export async function injectBrokerFault(node: RabbitNode, fault: BrokerFault): Promise<void> {
  switch (fault) {
    case 'close-connections': // F1/F2
      await node.ctl(['close_all_connections', 'soak fault injection']);
      return;
    case 'stop-app': // F3: the broker is away ~3 s
      await node.stopApp();
      await hold(3_000);
      await node.startApp();
      return;
    case 'kill-broker': // F4: kill -9 of the Erlang VM, then a cold start
      await node.kill();
      await node.boot();
      return;
    case 'memory-alarm': // F7: publishers blocked ~5 s
      await node.ctl(['set_vm_memory_high_watermark', '0.0001']);
      await hold(5_000);
      await node.ctl(['set_vm_memory_high_watermark', '0.4']);
      return;
  }
}
