import { readFileSync } from 'node:fs';

/** Resident set size of `pid` in MiB (VmRSS of /proc/<pid>/status), or null once it is gone. */
export function rssMiB(pid: number): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return match ? Math.round(Number(match[1]) / 102.4) / 10 : null;
  } catch {
    return null;
  }
}

/** RSS samples of one process over time, for the soak's "is it flat" line. */
export class RssTrack {
  readonly samples: { t: number; mib: number }[] = [];

  constructor(
    readonly label: string,
    readonly pid: number,
  ) {}

  sample(): void {
    const mib = rssMiB(this.pid);
    if (mib !== null) this.samples.push({ t: Date.now(), mib });
  }

  /**
   * Growth from the first to the last third of the run (median of each), in MiB: the warm-up (JIT,
   * pools) is in the first samples, so only a steady climb after it shows.
   */
  growth(): number {
    if (this.samples.length < 6) return 0;
    const third = Math.floor(this.samples.length / 3);
    const median = (xs: number[]): number =>
      [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const early = median(this.samples.slice(third, 2 * third).map((s) => s.mib));
    const late = median(this.samples.slice(-third).map((s) => s.mib));
    return Math.round((late - early) * 10) / 10;
  }

  /** `label: 61.2 → 63.0 → … MiB` at about `points` evenly spaced samples. */
  line(points = 10): string {
    const step = Math.max(1, Math.floor(this.samples.length / points));
    const shown = this.samples.filter((_, i) => i % step === 0 || i === this.samples.length - 1);
    return `${this.label} (pid ${this.pid}) RSS MiB: ${shown.map((s) => s.mib.toFixed(1)).join(' → ')}`;
  }
}
