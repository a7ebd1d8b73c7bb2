import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Beat, type BeatStatus } from '../beat/beat.js';
import { type BeatListing, listBeat } from '../beat/beat-listing.js';
import { PeriodicRegistry } from '../discovery/periodic-registry.js';
import { InvalidOptionsError } from '../errors/invalid-options.error.js';
import type { ResolvedBeatEntry } from '../options/beat-options.js';
import type { ResolvedTaskQueueOptions } from '../options/task-queue-options.js';
import { RESOLVED_OPTIONS } from '../options/task-queue.constants.js';

/**
 * The beat of a Nest app: the entries of `forRoot({ beat: { schedule } })` and of every `@Periodic()`. A
 * worker started with `-B` (or `worker.beat: true`) starts it when it listens; any other app may call
 * `start()` itself. Every process that starts it is a replica; one leads.
 */
@Injectable()
export class BeatService implements OnApplicationShutdown {
  private readonly logger = new Logger(BeatService.name);
  private beat: Beat | undefined;

  constructor(
    @Inject(RESOLVED_OPTIONS) private readonly options: ResolvedTaskQueueOptions,
    private readonly periodic: PeriodicRegistry,
  ) {}

  /**
   * Every entry: the module's, then the `@Periodic()` ones.
   * @throws InvalidOptionsError when an entry name is declared twice
   */
  entries(): ResolvedBeatEntry[] {
    const entries = [...this.options.beat.schedule.values()];
    for (const entry of this.periodic.all()) {
      if (this.options.beat.schedule.has(entry.name)) {
        throw new InvalidOptionsError(
          `beat.schedule.${entry.name}`,
          'is also the name of a @Periodic() entry; rename one of them',
        );
      }
      entries.push(entry);
    }
    return entries;
  }

  /** Joins the election (idempotent); resolves once connected. Runs the schedule only while it leads. */
  async start(): Promise<void> {
    if (this.beat) return;
    const entries = this.entries();
    if (entries.length === 0) {
      this.logger.warn('The beat has no entries (beat.schedule and @Periodic() are empty)');
    }
    this.beat = new Beat(this.options, entries);
    await this.beat.start();
  }

  /** This replica's view: whether it leads, and each entry's last and next tick while it does. */
  status(): BeatStatus | null {
    return this.beat?.status() ?? null;
  }

  /** What `celeriac beat --list` shows, read from the tick stream: works whether or not this app runs the beat. */
  list(): Promise<BeatListing> {
    return listBeat(this.options, this.entries());
  }

  /** Stops sending and leaves the election. */
  async stop(): Promise<void> {
    const beat = this.beat;
    this.beat = undefined;
    await beat?.close();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.stop();
  }
}
