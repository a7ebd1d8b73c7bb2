import { InvalidOptionsError } from '../errors/invalid-options.error.js';
import type { ResolvedBeatEntry } from '../options/beat-options.js';

/** The beat entries declared with `@Periodic()`, by name, in discovery order. */
export class PeriodicRegistry {
  private readonly entries = new Map<string, { entry: ResolvedBeatEntry; owner: string }>();

  /** @throws InvalidOptionsError when another `@Periodic()` took the name */
  register(entry: ResolvedBeatEntry, owner: string): void {
    const existing = this.entries.get(entry.name);
    if (existing) {
      throw new InvalidOptionsError(
        `@Periodic() on ${owner}`,
        `the entry name "${entry.name}" is taken by ${existing.owner}; give one of them a name`,
      );
    }
    this.entries.set(entry.name, { entry, owner });
  }

  all(): ResolvedBeatEntry[] {
    return [...this.entries.values()].map((e) => e.entry);
  }
}
