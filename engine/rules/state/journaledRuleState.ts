import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { SerialLock } from '../../store/duckdb/serialLock.js';
import type { CounterIncrement, MaximumValue, RuleStateStore, SetAddition, SetMembership } from '../ruleState.js';
import { MemoryRuleState, type LiveRuleState } from './memoryRuleState.js';

export interface JournaledRuleStateOptions {
  /** The journal file (deployments use `<dataDir>/rule-state.journal`); snapshots are written to `<path>.tmp`. */
  path: string;
  /** Epoch ms now, which decides expiry (default Date.now; tests move it). */
  now?: () => number;
  /** Compact when the journal grows past this many bytes (default 64 MiB), or past `compactAtGrowth` times its last snapshot if that is larger. */
  compactAtBytes?: number;
  /**
   * How many times its last snapshot the journal may grow to before it is compacted (default 4).
   * Each compaction writes the whole live state again, so it costs about 1 / (growth - 1) of the
   * snapshot's encoding per byte journaled; a larger growth means a bigger file and a longer replay.
   */
  compactAtGrowth?: number;
}

/** What opening found in the journal, for the start-up log. */
export interface JournalReplay {
  /** Whole lines replayed (each one call, or part of a snapshot). */
  lines: number;
  /** Bytes of a torn last line (a crash mid-write), skipped; 0 when the journal ended cleanly. */
  tornBytes: number;
  /** Milliseconds spent reading and replaying the lines (not compacting them afterwards). */
  replayMs: number;
}

/**
 * A journal line's call. `addToSetRuns` is `addToSets` with each run of members of one set (and
 * one expiry) written `set, expiresAt, n, member × n`; journals written before it have
 * `addToSets` lines (`set, member, expiresAt` per item), still read.
 */
type Call = 'addToSetRuns' | 'addToSets' | 'addToCounters' | 'raiseMaxima';
type Flat = (string | number)[];

const MIB = 1 << 20;
/** Items per line of a snapshot, so that no line is huge. */
const SNAPSHOT_ITEMS_PER_LINE = 10_000;
const NEWLINE = 0x0a;

/**
 * The embedded mode's rule state: held in memory (a `MemoryRuleState`) and every writing call
 * appended to a journal file as one line, `[call, at, items]` (the call, the epoch ms it ran at,
 * its items flattened: `set, expiresAt, n, member × n, ...` for set additions, `key, number,
 * expiresAt, ...` for counters and maxima), so the state survives a restart.
 *
 * - Calls, reads included, run one at a time. A writing call writes its line with one `write` to
 *   a file opened for appending, then applies it in memory, then resolves: when it resolves its
 *   line is with the operating system, so a crash of the process loses nothing. Lines are not
 *   fsynced one by one, so a crash of the machine may lose the last writes; `flush` (and `close`)
 *   fsync. A failed write is cut back off the journal and the call rejected, unapplied.
 * - Replay applies each line at the time it ran (the clock used is never earlier than the last
 *   call's), so every set, counter and maximum, expiry and restart included, comes back exactly
 *   as it was: counters are journaled as the increments given, which replayed in order from the
 *   same state give the same floating-point values bit for bit. A torn last line is skipped; any
 *   other damaged line stops the opening with its line number, rather than a half-read state.
 * - Compaction (on open, and when the journal grows past `compactAtBytes`, or past `compactAtGrowth`
 *   times its last snapshot if larger) writes the live
 *   entries as lines to `<path>.tmp`, fsyncs it and renames it over the journal, dropping expired
 *   entries and any torn line. It runs in turn with the calls, so none is lost or reordered.
 *
 * Only one process may open the journal; in the embedded mode the event store's DuckDB file
 * lock already keeps a second process out.
 */
export class JournaledRuleState implements RuleStateStore {
  /** The state; its clock is `at`, pinned by each call. */
  private readonly memory = new MemoryRuleState(() => this.at);
  private readonly calls = new SerialLock();
  private readonly now: () => number;
  private readonly compactAtBytes: number;
  private readonly compactAtGrowth: number;
  /** Epoch ms the current call runs at: never earlier than the previous call's. */
  private at = Number.NEGATIVE_INFINITY;
  private handle?: FileHandle;
  private replay?: JournalReplay;
  /** Length of the journal in bytes (whole lines only), and the length past which it is next compacted. */
  private bytes = 0;
  private compactAfter = 0;
  private compactionQueued = false;
  private closed = false;
  /** Why the journal cannot be used (damaged, or a failed write could not be cut back off). */
  private broken?: Error;

  /** Opens (replays and compacts) the journal on first use, or on `open`. */
  constructor(private readonly options: JournaledRuleStateOptions) {
    this.now = options.now ?? Date.now;
    this.compactAtBytes = options.compactAtBytes ?? 64 * MIB;
    this.compactAtGrowth = options.compactAtGrowth ?? 4;
  }

  /** Opens the journal now rather than on the first call (to report a bad file, and the replay, at start). */
  open(): Promise<JournalReplay> {
    return this.calls.run(async () => {
      await this.journal();
      return this.replay!;
    });
  }

  addToSets(additions: SetAddition[]): Promise<Map<string, number>> {
    return this.write('addToSetRuns', additions, (flat) => flattenRuns(flat, additions), () => this.memory.addToSets(additions));
  }

  readSets(sets: string[]): Promise<Map<string, string[]>> {
    return sets.length === 0 ? Promise.resolve(new Map()) : this.read(() => this.memory.readSets(sets));
  }

  countUnions(unions: string[][], atLeast?: number): Promise<number[]> {
    return unions.length === 0 ? Promise.resolve([]) : this.read(() => this.memory.countUnions(unions, atLeast));
  }

  hasMembers(queries: SetMembership[]): Promise<boolean[]> {
    return queries.length === 0 ? Promise.resolve([]) : this.read(() => this.memory.hasMembers(queries));
  }

  addToCounters(increments: CounterIncrement[]): Promise<Map<string, number>> {
    return this.write('addToCounters', increments, (flat) => {
      for (const { counter, by, expiresAt } of increments) flat.push(counter, by, expiresAt);
    }, () => this.memory.addToCounters(increments));
  }

  readCounters(counters: string[]): Promise<Map<string, number>> {
    return counters.length === 0 ? Promise.resolve(new Map()) : this.read(() => this.memory.readCounters(counters));
  }

  raiseMaxima(values: MaximumValue[]): Promise<Map<string, number>> {
    return this.write('raiseMaxima', values, (flat) => {
      for (const { key, value, expiresAt } of values) flat.push(key, value, expiresAt);
    }, () => this.memory.raiseMaxima(values));
  }

  readMaxima(prefix: string): Promise<Map<string, number>> {
    return this.read(() => this.memory.readMaxima(prefix));
  }

  /** Fsyncs the journal: every call resolved before survives a machine crash too. */
  flush(): Promise<void> {
    return this.calls.run(async () => {
      await this.handle?.datasync();
    });
  }

  /** Fsyncs and closes the journal; later calls are refused. */
  close(): Promise<void> {
    return this.calls.run(async () => {
      const handle = this.handle;
      [this.closed, this.handle] = [true, undefined];
      if (handle) {
        try {
          await handle.datasync();
        } finally {
          await handle.close();
        }
      }
    });
  }

  /** The open journal, opening it on first use; call only inside `calls`. */
  private async journal(): Promise<FileHandle> {
    if (this.closed) throw new Error('the rule state journal is closed');
    if (this.broken) throw this.broken;
    if (!this.handle) {
      try {
        await mkdir(dirname(this.options.path), { recursive: true });
        this.replay = await this.replayJournal();
        await this.compact();
      } catch (err) {
        this.broken = err as Error;
        throw err;
      }
    }
    return this.handle!;
  }

  /** Moves the clock to now, never back (a clock stepped back must not revive what expired). */
  private tick(): number {
    this.at = Math.max(this.at, this.now());
    return this.at;
  }

  private read<T>(work: () => Promise<T>): Promise<T> {
    return this.calls.run(async () => {
      await this.journal();
      this.tick();
      return work();
    });
  }

  /** Appends the call's line, then applies it in memory; queues a compaction if the journal has grown enough. */
  private write(call: Call, items: unknown[], flatten: (flat: Flat) => void, apply: () => Promise<Map<string, number>>): Promise<Map<string, number>> {
    if (items.length === 0) return Promise.resolve(new Map());
    return this.calls.run(async () => {
      const handle = await this.journal();
      const flat: Flat = [];
      flatten(flat);
      const line = Buffer.from(`${JSON.stringify([call, this.tick(), flat])}\n`);
      try {
        await writeAll(handle, line);
      } catch (err) {
        await handle.truncate(this.bytes).catch((cause: unknown) => {
          this.broken = new Error(`the rule state journal ${this.options.path} could not be cut back after a failed write`, { cause });
        });
        throw err;
      }
      this.bytes += line.length;
      const result = await apply();
      if (!this.compactionQueued && this.bytes > this.compactAfter) {
        this.compactionQueued = true;
        // Queued behind the calls already waiting. On failure the journal is intact: it grows on and is tried again later.
        void this.calls.run(async () => {
          if (this.handle) await this.compact();
        }).catch(() => {
          this.compactAfter = this.bytes + this.compactAtBytes;
        }).finally(() => {
          this.compactionQueued = false;
        });
      }
      return result;
    });
  }

  /** Replays the journal, if there is one, into memory. */
  private async replayJournal(): Promise<JournalReplay> {
    const started = performance.now();
    let file: FileHandle;
    try {
      file = await open(this.options.path, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { lines: 0, tornBytes: 0, replayMs: 0 };
      throw err;
    }
    try {
      const chunk = Buffer.allocUnsafe(4 * MIB);
      let pending = Buffer.alloc(0);
      let lines = 0;
      for (;;) {
        const { bytesRead } = await file.read(chunk, 0, chunk.length, null);
        if (bytesRead === 0) break;
        const data = pending.length > 0 ? Buffer.concat([pending, chunk.subarray(0, bytesRead)]) : chunk.subarray(0, bytesRead);
        let start = 0;
        for (let end = data.indexOf(NEWLINE, pending.length); end !== -1; end = data.indexOf(NEWLINE, start)) {
          this.replayLine(data.toString('utf8', start, end), ++lines);
          start = end + 1;
        }
        pending = Buffer.from(data.subarray(start)); // a copy: `chunk` is read into again
      }
      return { lines, tornBytes: pending.length, replayMs: Math.round(performance.now() - started) };
    } finally {
      await file.close();
    }
  }

  private replayLine(text: string, number: number): void {
    let line: unknown;
    try {
      line = JSON.parse(text);
    } catch {
      line = undefined;
    }
    const [call, at, flat] = Array.isArray(line) ? line as [unknown, unknown, unknown] : [];
    if (typeof at !== 'number' || !Array.isArray(flat)) throw this.damaged(number);
    if (call === 'addToSetRuns') {
      const additions = additionsOfRuns(flat);
      if (!additions) throw this.damaged(number);
      this.at = Math.max(this.at, at);
      void this.memory.addToSets(additions);
      return;
    }
    if (flat.length % 3 !== 0) throw this.damaged(number);
    this.at = Math.max(this.at, at);
    if (call === 'addToSets') {
      const additions: SetAddition[] = [];
      for (let i = 0; i < flat.length; i += 3) additions.push({ set: flat[i], member: flat[i + 1], expiresAt: flat[i + 2] });
      void this.memory.addToSets(additions);
    } else if (call === 'addToCounters') {
      const increments: CounterIncrement[] = [];
      for (let i = 0; i < flat.length; i += 3) increments.push({ counter: flat[i], by: flat[i + 1], expiresAt: flat[i + 2] });
      void this.memory.addToCounters(increments);
    } else if (call === 'raiseMaxima') {
      const values: MaximumValue[] = [];
      for (let i = 0; i < flat.length; i += 3) values.push({ key: flat[i], value: flat[i + 1], expiresAt: flat[i + 2] });
      void this.memory.raiseMaxima(values);
    } else {
      throw this.damaged(number);
    }
  }

  private damaged(line: number): Error {
    return new Error(`the rule state journal ${this.options.path} is damaged at line ${line} (not a torn last line): `
      + 'move it aside to start with empty rule state');
  }

  /**
   * Writes the live state to `<path>.tmp`, fsyncs it, renames it over the journal and appends to
   * it from then on. Until the rename the old journal is untouched, so a failure or crash loses nothing.
   */
  private async compact(): Promise<void> {
    const { path } = this.options;
    const tmp = `${path}.tmp`;
    const at = this.tick();
    await rm(tmp, { force: true });
    const next = await open(tmp, 'a', 0o600); // set members name patients: owner only
    let bytes = 0;
    try {
      for (const chunk of snapshot(this.memory.liveEntries(), at)) {
        await writeAll(next, chunk);
        bytes += chunk.length;
      }
      await next.datasync();
      await rename(tmp, path);
    } catch (err) {
      await next.close().catch(() => undefined);
      await rm(tmp, { force: true }).catch(() => undefined);
      throw err;
    }
    await syncDirectory(dirname(path));
    const previous = this.handle;
    [this.handle, this.bytes, this.compactAfter] = [next, bytes, Math.max(this.compactAtBytes, this.compactAtGrowth * bytes)];
    await previous?.close().catch(() => undefined);
  }
}

/** The live state as journal lines that rebuild it in an empty store at `at`, in buffers of about 1 MiB. */
function* snapshot(live: LiveRuleState, at: number): Generator<Buffer> {
  let text = '';
  for (const line of snapshotLines(live, at)) {
    text += line;
    if (text.length >= MIB) {
      yield Buffer.from(text);
      text = '';
    }
  }
  if (text.length > 0) yield Buffer.from(text);
}

function* snapshotLines(live: LiveRuleState, at: number): Generator<string> {
  // Each set once per line it spans: its name, expiry and members.
  let flat: Flat = [];
  let items = 0;
  for (const [set, { members, expiresAt }] of live.sets) {
    let count = -1;
    for (const member of members) {
      if (count < 0) {
        flat.push(set, expiresAt, 0);
        count = 0;
      }
      flat.push(member);
      flat[flat.length - count - 2] = ++count;
      if (++items >= SNAPSHOT_ITEMS_PER_LINE) {
        yield `${JSON.stringify(['addToSetRuns', at, flat])}\n`;
        [flat, items, count] = [[], 0, -1];
      }
    }
  }
  if (flat.length > 0) yield `${JSON.stringify(['addToSetRuns', at, flat])}\n`;
  // A counter's line adds its value to 0, which gives the value exactly.
  yield* lines('addToCounters', at, withValues(live.counters));
  yield* lines('raiseMaxima', at, withValues(live.maxima));
}

function* withValues(entries: LiveRuleState['counters']): Generator<readonly [string, number, number]> {
  for (const [key, { value, expiresAt }] of entries) yield [key, value, expiresAt];
}

/** One call's items as lines of up to `SNAPSHOT_ITEMS_PER_LINE` items. */
function* lines(call: Call, at: number, items: Iterable<readonly [string, string | number, number]>): Generator<string> {
  let flat: Flat = [];
  for (const item of items) {
    flat.push(item[0], item[1], item[2]);
    if (flat.length >= 3 * SNAPSHOT_ITEMS_PER_LINE) {
      yield `${JSON.stringify([call, at, flat])}\n`;
      flat = [];
    }
  }
  if (flat.length > 0) yield `${JSON.stringify([call, at, flat])}\n`;
}

/** Additions as runs of one set and expiry: `set, expiresAt, n, member × n, ...`. */
function flattenRuns(flat: Flat, additions: readonly SetAddition[]): void {
  let set: string | undefined;
  let expiresAt = 0;
  let count = 0;
  for (const addition of additions) {
    if (addition.set !== set || addition.expiresAt !== expiresAt) {
      if (count > 0) flat[flat.length - count - 1] = count;
      ({ set, expiresAt } = addition);
      flat.push(set, expiresAt, 0);
      count = 0;
    }
    flat.push(addition.member);
    count += 1;
  }
  if (count > 0) flat[flat.length - count - 1] = count;
}

/** The additions of an `addToSetRuns` line's items, or undefined when they are not well formed. */
function additionsOfRuns(flat: unknown[]): SetAddition[] | undefined {
  const additions: SetAddition[] = [];
  for (let i = 0; i < flat.length;) {
    const [set, expiresAt, count] = [flat[i], flat[i + 1], flat[i + 2]];
    if (typeof set !== 'string' || typeof expiresAt !== 'number' || !Number.isInteger(count) || (count as number) < 1) return undefined;
    const end = i + 3 + (count as number);
    if (end > flat.length) return undefined;
    for (let m = i + 3; m < end; m++) {
      const member = flat[m];
      if (typeof member !== 'string') return undefined;
      additions.push({ set, member, expiresAt });
    }
    i = end;
  }
  return additions;
}

/** Writes the whole buffer: one `write` unless the system takes less (a full disk). */
async function writeAll(handle: FileHandle, buffer: Buffer): Promise<void> {
  for (let written = 0; written < buffer.length;) {
    written += (await handle.write(buffer, written, buffer.length - written)).bytesWritten;
  }
}

/** Fsyncs a directory so that a rename in it survives a machine crash (best effort: not every platform can). */
async function syncDirectory(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // Windows cannot open a directory; the rename is still atomic for a process crash.
  } finally {
    await handle?.close().catch(() => undefined);
  }
}
