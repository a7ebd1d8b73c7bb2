import { randomUUID } from 'node:crypto';
import { pollUntil, RabbitNode, type NodeSpec } from './rabbit-node.js';

/**
 * A RabbitMQ cluster of nodes this process starts: the first node boots alone, the others join it
 * (`stop_app; join_cluster; start_app`), as an operator would build one.
 */
export class RabbitCluster {
  private constructor(readonly nodes: readonly RabbitNode[]) {}

  /** `perNode(i)` adds to node i's spec (1-based): its own network namespace and address, say. */
  static async start(
    size: number,
    spec: Omit<NodeSpec, 'name'> = {},
    perNode: (i: number) => Omit<NodeSpec, 'name'> = () => ({}),
  ): Promise<RabbitCluster> {
    const run = randomUUID().slice(0, 6);
    // Erlang VMs are CPU-hungry at boot: start them one after the other on a small machine.
    const nodes: RabbitNode[] = [];
    const cluster = new RabbitCluster(nodes);
    try {
      for (let i = 1; i <= size; i++)
        nodes.push(await RabbitNode.start({ ...spec, ...perNode(i), name: `c${i}` }, run));
      const [seed, ...others] = nodes;
      for (const node of others) {
        await node.stopApp();
        await node.ctl(['join_cluster', seed!.node]);
        await node.startApp();
      }
      await cluster.awaitRunning(size, 60_000);
    } catch (err: unknown) {
      await cluster.destroy();
      throw err;
    }
    return cluster;
  }

  /** Every node's URL, for clients and workers (`url: [...]`). */
  urls(vhost = '/', credentials?: string): string[] {
    return this.nodes.map((node) => node.url(vhost, credentials));
  }

  /** A node that is up other than `except`, to run CLI commands against. */
  other(except: RabbitNode): RabbitNode {
    const node = this.nodes.find((n) => n !== except);
    if (!node) throw new Error('A cluster of one has no other node');
    return node;
  }

  /** Waits until `count` nodes report themselves running in the cluster. */
  async awaitRunning(
    count: number,
    timeoutMs: number,
    via: RabbitNode = this.nodes[0]!,
  ): Promise<void> {
    await pollUntil(
      `${count} running nodes`,
      async () =>
        runningNodes(await via.ctl(['cluster_status', '--formatter', 'json'])).length >= count,
      timeoutMs,
    );
  }

  /**
   * The node that leads quorum queue `queue` (as `via` sees it), or null while it has none.
   * `rabbitmq-queues quorum_status` lists each member's Raft state.
   */
  async leaderOf(
    queue: string,
    vhost = '/',
    via: RabbitNode = this.nodes[0]!,
  ): Promise<RabbitNode | null> {
    const out = await via.queues(
      ['quorum_status', queue, '--vhost', vhost, '--formatter', 'json'],
      15_000,
    );
    const members = JSON.parse(out) as {
      Node_Name?: string;
      'Node Name'?: string;
      Raft_State?: string;
      'Raft State'?: string;
    }[];
    const leader = members.find((m) => (m.Raft_State ?? m['Raft State']) === 'leader');
    const name = leader?.Node_Name ?? leader?.['Node Name'];
    return this.nodes.find((n) => n.node === name) ?? null;
  }

  /** Members of quorum queue `queue` and their Raft states, for the test's log. */
  async quorumStatus(
    queue: string,
    vhost = '/',
    via: RabbitNode = this.nodes[0]!,
  ): Promise<string> {
    return via.queues(['quorum_status', queue, '--vhost', vhost], 15_000);
  }

  async destroy(): Promise<void> {
    await Promise.all(this.nodes.map((node) => node.destroy()));
  }
}

function runningNodes(json: string): string[] {
  const status = JSON.parse(json) as { running_nodes?: string[] };
  return status.running_nodes ?? [];
}
