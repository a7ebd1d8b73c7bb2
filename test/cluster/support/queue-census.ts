import type { Ledger } from '../../faults/support/ledger.js';
import type { RabbitNode } from './rabbit-node.js';

/**
 * Where confirmed tasks that have not run are: still in the queue (delayed) or gone (lost). After a
 * fault, the test waits with `drain()` until every confirmed task has run, or until neither the
 * ledger nor the queue's depth (read from whichever node answers) has moved for `quietMs`: only then
 * is a task that has not run counted lost.
 */

/** Confirmed tasks (`sent`) that have no `done` row yet. */
export function confirmedNotRun(ledger: Ledger): number {
  const done = ledger.ids('done');
  let n = 0;
  for (const id of ledger.ids('sent')) if (!done.has(id)) n++;
  return n;
}

/** `list_queues name messages messages_ready messages_unacknowledged` for `queue`, on one node. */
export async function depthVia(
  node: RabbitNode,
  queue: string,
  timeoutMs = 10_000,
): Promise<string> {
  const out = await node.ctl(
    ['list_queues', 'name', 'messages', 'messages_ready', 'messages_unacknowledged'],
    timeoutMs,
  );
  const row = out.split('\n').find((line) => line.split('\t')[0] === queue);
  return row ? row.split('\t').slice(1).join('/') : 'no such queue';
}

/** The first node that answers `depthVia` (its node name and the depth), or null if none does. */
async function depthFromAny(
  nodes: readonly RabbitNode[],
  queue: string,
): Promise<{ node: string; depth: string } | null> {
  for (const node of nodes) {
    const depth = await depthVia(node, queue).catch(() => null);
    if (depth !== null) return { node: node.node, depth };
  }
  return null;
}

export interface DrainResult {
  /** Confirmed-not-run 60 s into the wait (or at its end, if it ended sooner). */
  readonly at60s: number;
  /** Confirmed-not-run when the wait ended. */
  readonly atEnd: number;
  readonly waitedMs: number;
  /** Why it ended: all ran, nothing moved for quietMs, or the bound. */
  readonly ended: 'all ran' | 'stable' | 'bound';
  /** The last depth read, `messages/ready/unacked` via node, or "no node answered". */
  readonly lastDepth: string;
}

/**
 * Polls every 2 s for at most `boundMs`: ends when every confirmed task ran, or when for `quietMs`
 * neither the count of confirmed-not-run tasks nor the queue depth changed.
 */
export async function drain(
  ledger: Ledger,
  nodes: readonly RabbitNode[],
  queue: string,
  boundMs = 180_000,
  quietMs = 30_000,
): Promise<DrainResult> {
  const start = Date.now();
  let at60s: number | undefined;
  let last = '';
  let lastChange = start;
  let lastDepth = 'no node answered';
  for (;;) {
    const notRun = confirmedNotRun(ledger);
    const now = Date.now();
    if (at60s === undefined && now - start >= 60_000) at60s = notRun;
    if (notRun === 0) return result('all ran');
    const read = await depthFromAny(nodes, queue);
    if (read) lastDepth = `${read.depth} via ${read.node}`;
    const state = `${notRun} ${read?.depth ?? '?'}`;
    if (state !== last) {
      last = state;
      lastChange = Date.now();
    } else if (Date.now() - lastChange >= quietMs && read) return result('stable');
    if (Date.now() - start >= boundMs) return result('bound');
    await new Promise((resolve) => setTimeout(resolve, 2_000));
  }

  function result(ended: DrainResult['ended']): DrainResult {
    const atEnd = confirmedNotRun(ledger);
    return { at60s: at60s ?? atEnd, atEnd, waitedMs: Date.now() - start, ended, lastDepth };
  }
}

/** Each node's view of the queue: its depth and its `quorum_status` rows, or the error it gave. */
export async function census(nodes: readonly RabbitNode[], queue: string): Promise<string> {
  const rows = await Promise.all(
    nodes.map(async (node) => {
      const depth = await depthVia(node, queue, 15_000).catch(
        (err: unknown) => `error: ${firstLine(err)}`,
      );
      const quorum = await node
        .queues(['quorum_status', queue], 15_000)
        .then((out) => out.trim().split('\n').join(' | '))
        .catch((err: unknown) => `error: ${firstLine(err)}`);
      return `${node.node}: messages/ready/unacked ${depth}; quorum_status ${quorum}`;
    }),
  );
  return rows.join('\n  ');
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!.slice(0, 160);
}
