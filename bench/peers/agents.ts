import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AgentProcess } from '../agent-process.js';
import type { Role } from '../protocol.js';
import { repoRoot } from '../report.js';
import { isBenchSystem, type SystemId } from './systems.js';

/**
 * raw amqplib and Celeriac run `npm run bench`'s own agent, from its build (dist/bench), so that they
 * resolve the workspace's amqplib and Celeriac exactly as `npm run bench` does; the peers run this
 * folder's agent, built into bench/peers/dist, which resolves bench/peers/node_modules first.
 */
const BENCH_AGENT = join(repoRoot(), 'dist/bench/bench/agent.js');
const PEER_AGENT = fileURLToPath(new URL('./peer-agent.js', import.meta.url));

export function spawnAgent(
  system: SystemId,
  role: Role,
  queue: string,
  prefetch: number,
  label = `${system}-${role}`,
): Promise<AgentProcess> {
  const script = isBenchSystem(system) ? BENCH_AGENT : PEER_AGENT;
  return AgentProcess.fork(script, [system, role, queue, String(prefetch)], label);
}
