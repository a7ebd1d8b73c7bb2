import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Command, Impl, Reply, Role } from './protocol.js';

const AGENT = fileURLToPath(new URL('./agent.js', import.meta.url));

interface Pending {
  resolve(value: unknown): void;
  reject(err: Error): void;
}

/** An agent child process (agent.ts) and a typed request/reply over its IPC channel. */
export class AgentProcess {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private exited = false;
  private readonly exitPromise: Promise<void>;

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    this.exitPromise = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exited = true;
        for (const p of this.pending.values()) {
          p.reject(new Error(`Agent ${name} exited (code ${code}, signal ${signal})`));
        }
        this.pending.clear();
        resolve();
      });
    });
    child.on('message', (raw: unknown) => {
      const reply = raw as Reply;
      const p = this.pending.get(reply.id);
      if (!p) return;
      this.pending.delete(reply.id);
      if (reply.ok) p.resolve(reply.result);
      else p.reject(new Error(`Agent ${name}: ${reply.error}`));
    });
  }

  static spawn(
    impl: Impl,
    role: Role,
    queue: string,
    prefetch: number,
    execArgv: readonly string[] = [],
  ): Promise<AgentProcess> {
    return AgentProcess.fork(
      AGENT,
      [impl, role, queue, String(prefetch)],
      `${impl}-${role}`,
      execArgv,
    );
  }

  /**
   * An agent started from another script that answers the same commands (the peers benchmark's agent,
   * built apart from this one so that it resolves the peers' own packages).
   */
  static fork(
    script: string,
    args: readonly string[],
    name: string,
    execArgv: readonly string[] = [],
  ): Promise<AgentProcess> {
    const child = fork(script, args, {
      execArgv: ['--expose-gc', ...execArgv],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null): void => {
        reject(new Error(`Agent ${name} exited before it was ready (code ${code})`));
      };
      child.once('exit', onExit);
      child.once('message', (message: unknown) => {
        child.off('exit', onExit);
        if ((message as { ready?: boolean }).ready === true) resolve(new AgentProcess(name, child));
        else reject(new Error(`Agent ${name} sent ${JSON.stringify(message)} before ready`));
      });
    });
  }

  /** The process id while the agent runs. */
  get pid(): number | undefined {
    return this.exited ? undefined : this.child.pid;
  }

  call<T>(command: Command): Promise<T> {
    if (this.exited) return Promise.reject(new Error(`Agent ${this.name} has exited`));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve, reject });
      this.child.send({ ...command, id });
    });
  }

  /** Asks the agent to close its connections and exit; kills it if it has not within `graceMs`. */
  async exit(graceMs = 5_000): Promise<void> {
    if (this.exited) return;
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    try {
      await this.call({ cmd: 'exit' }).catch(() => undefined);
      await this.exitPromise;
    } finally {
      clearTimeout(timer);
    }
  }

  kill(): void {
    if (!this.exited) this.child.kill('SIGKILL');
  }
}
