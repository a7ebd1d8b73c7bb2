/**
 * What every benchmark agent process does whatever it measures: answer the orchestrator's commands over
 * the Node IPC channel with one producing or consuming side. `agent.ts` (raw amqplib and Celeriac) and
 * `peers/peer-agent.ts` (the other systems) only choose the side.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { sleep } from './clock.js';
import type { Command, MemoryStats, Reply, Request } from './protocol.js';
import { Recorder } from './recorder.js';
import { delayed, enqueue, paced, type ConsumerSide, type ProducerSide } from './sides.js';

/** Something that answers the orchestrator's commands (the two classes below, or an agent of its own). */
export interface Agent {
  run(command: Command): Promise<unknown>;
}

async function memory(): Promise<MemoryStats> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('Run the agent with --expose-gc');
  gc();
  await sleep(50);
  gc();
  const { rss, heapUsed, heapTotal, external, arrayBuffers } = process.memoryUsage();
  return { rss, heapUsed, heapTotal, external, arrayBuffers };
}

let profiler: Session | undefined;

async function profile(command: Command): Promise<unknown> {
  if (command.cmd === 'profileStart') {
    profiler = new Session();
    profiler.connect();
    await profiler.post('Profiler.enable');
    await profiler.post('Profiler.setSamplingInterval', { interval: 100 });
    await profiler.post('Profiler.start');
    return null;
  }
  if (command.cmd === 'profileStop' && profiler) {
    const { profile: result } = await profiler.post('Profiler.stop');
    writeFileSync(command.file, JSON.stringify(result));
    profiler.disconnect();
    profiler = undefined;
    return null;
  }
  throw new Error(`Unexpected ${command.cmd}`);
}

export class ProducerAgent implements Agent {
  constructor(private readonly side: ProducerSide) {}

  async run(command: Command): Promise<unknown> {
    switch (command.cmd) {
      case 'enqueue':
        return enqueue(this.side, command.n, command.window);
      case 'paced':
        return paced(this.side, command.n, command.ratePerSec, command.startAt);
      case 'delayed':
        return delayed(this.side, command.n, command.minCountdownS, command.maxCountdownS);
      case 'memory':
        return memory();
      case 'profileStart':
      case 'profileStop':
        return profile(command);
      case 'exit':
        await this.side.close();
        return null;
      default:
        throw new Error(`A producer cannot ${command.cmd}`);
    }
  }
}

export class ConsumerAgent implements Agent {
  private readonly recorder = new Recorder();

  constructor(private readonly side: ConsumerSide) {}

  async run(command: Command): Promise<unknown> {
    switch (command.cmd) {
      case 'start':
        await this.side.prepare(this.recorder);
        this.recorder.begin(command.expect, command.record);
        await this.side.start();
        return null;
      case 'expect':
        this.recorder.expect(command.count);
        return null;
      case 'waitFor':
        return this.recorder.waitFor(command.timeoutMs);
      case 'progress':
        return this.recorder.progress();
      case 'stop':
        await this.side.stop();
        return { handled: this.recorder.count };
      case 'memory':
        return memory();
      case 'profileStart':
      case 'profileStop':
        return profile(command);
      case 'exit':
        await this.side.stop();
        return null;
      default:
        throw new Error(`A consumer cannot ${command.cmd}`);
    }
  }
}

/** Answers the orchestrator's requests until it says `exit` or goes away. */
export function serve(agent: Agent): void {
  const reply = (message: Reply): void => {
    process.send?.(message);
  };
  process.on('message', (raw: unknown) => {
    const request = raw as Request;
    agent.run(request).then(
      (result) => {
        reply({ id: request.id, ok: true, result });
        if (request.cmd === 'exit') {
          process.removeAllListeners('disconnect');
          process.disconnect();
        }
      },
      (err: unknown) => {
        reply({
          id: request.id,
          ok: false,
          error: err instanceof Error ? (err.stack ?? err.message) : String(err),
        });
      },
    );
  });
  // The orchestrator went away (it failed, or was interrupted): do not linger.
  process.once('disconnect', () => process.exit(0));
  process.send?.({ ready: true });
}
