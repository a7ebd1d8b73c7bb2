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

/**
 * The message count of quorum queue `queue` (vhost `/`) in `node`'s own replica, read from its Raft
 * state machine (`ra:local_query`). Not `list_queues`: that streams rows back from every node to the
 * CLI's own Erlang node, which the other namespaces cannot reach, so it hangs in this lab.
 */
export async function localCount(
  node: RabbitNode,
  queue: string,
  timeoutMs = 30_000,
): Promise<number> {
  const out = await node.ctl(
    ['eval', `ra:local_query({'%2F_${queue}', node()}, fun rabbit_fifo:query_messages_total/1).`],
    timeoutMs,
  );
  const match = /^\{ok,\{\{\d+,\d+\},(\d+)\}/.exec(out.replace(/\s/g, ''));
  if (!match) throw new Error(`unexpected: ${out.trim().slice(0, 120)}`);
  return Number(match[1]);
}

/** Each node's replica count (`node=n`, or `node=?` if it did not answer), in parallel. */
async function counts(nodes: readonly RabbitNode[], queue: string): Promise<string> {
  const rows = await Promise.all(
    nodes.map(async (node) => {
      const n = await localCount(node, queue).catch(() => '?');
      return `${node.node.split('@')[0]}=${n}`;
    }),
  );
  return rows.join(' ');
}

export interface DrainResult {
  /** Confirmed-not-run 60 s into the wait (or at its end, if it ended sooner). */
  readonly at60s: number;
  /** Confirmed-not-run when the wait ended. */
  readonly atEnd: number;
  readonly waitedMs: number;
  /** Why it ended: all ran, nothing moved for quietMs, or the bound. */
  readonly ended: 'all ran' | 'stable' | 'bound';
  /** The last replica counts read, `node=n` for each node. */
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
  let lastDepth = '';
  for (;;) {
    const notRun = confirmedNotRun(ledger);
    const now = Date.now();
    if (at60s === undefined && now - start >= 60_000) at60s = notRun;
    if (notRun === 0) return result('all ran');
    const read = await counts(nodes, queue);
    lastDepth = read;
    const answered = /=\d/.test(read);
    const state = `${notRun} ${read}`;
    if (state !== last) {
      last = state;
      lastChange = Date.now();
    } else if (Date.now() - lastChange >= quietMs && answered) return result('stable');
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
      const depth = await localCount(node, queue).catch((err: unknown) => `error: ${reason(err)}`);
      const quorum = await node
        .queues(['quorum_status', queue, '--formatter', 'json'], 30_000)
        .then(raftStates)
        .catch((err: unknown) => `error: ${reason(err)}`);
      return `${node.node}: messages in its replica ${depth}; quorum_status ${quorum}`;
    }),
  );
  return rows.join('\n  ');
}

/** `node state commit-index, …` from `quorum_status --formatter json`. */
function raftStates(json: string): string {
  const members = JSON.parse(json) as Record<string, string | number>[];
  return members
    .map((m) => {
      const name = String(m['Node Name'] ?? m['Node_Name'] ?? '?').split('@')[0];
      return `${name} ${m['Raft State'] ?? m['Raft_State']} ${m['Commit Index'] ?? m['Commit_Index']}`;
    })
    .join(', ');
}

/** The end of a failed CLI call's message: what the tool said, not the command line. */
function reason(err: unknown): string {
  const lines = (err instanceof Error ? err.message : String(err))
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  return lines.slice(-2).join(' ').slice(0, 200);
}
