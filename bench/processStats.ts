import { readFileSync } from 'node:fs';

/** Linux clock ticks per second for /proc/<pid>/stat CPU times (USER_HZ, 100 on every mainstream kernel). */
const CLOCK_TICKS = 100;

function statusField(pid: number | 'self', field: 'VmHWM' | 'VmRSS'): number | undefined {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Resident memory now, in bytes (undefined once the process is gone). */
export function residentBytes(pid: number | 'self'): number | undefined {
  return statusField(pid, 'VmRSS');
}

/** The kernel's high-water mark of resident memory, in bytes. */
export function peakResidentBytes(pid: number | 'self'): number | undefined {
  return statusField(pid, 'VmHWM');
}

/** User plus system CPU seconds the process has used so far. */
export function cpuSeconds(pid: number | 'self'): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

/** Samples a process's resident memory every `everyMs` and keeps the largest seen. */
export class MemorySampler {
  private timer?: NodeJS.Timeout;
  max = 0;

  constructor(private readonly pid: number | 'self', private readonly everyMs = 200) {}

  start(): this {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.everyMs);
    this.timer.unref();
    return this;
  }

  sample(): void {
    const rss = residentBytes(this.pid);
    if (rss !== undefined && rss > this.max) this.max = rss;
  }

  stop(): number {
    this.sample();
    clearInterval(this.timer);
    return this.max;
  }
}
