import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { JournaledRuleState, type JournaledRuleStateOptions } from './journaledRuleState.js';
import { ruleStateContract } from './ruleStateContract.js';

const freshDir = () => mkdtempSync(join(tmpdir(), 'accesswatch-rule-journal-'));

ruleStateContract('journaled', async (now) => {
  const dir = freshDir();
  const path = join(dir, 'rule-state.journal');
  return {
    store: new JournaledRuleState({ path, now }),
    reopen: async () => new JournaledRuleState({ path, now }),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
}, { clock: 'given', durable: true });

const START = Date.parse('2026-11-20T09:00:00Z');
const MINUTE = 60_000;
const HOUR = 3_600_000;

describe('rule state in a journal', () => {
  let dir: string;
  let path: string;
  let now: number;
  const opened: JournaledRuleState[] = [];
  /** A store over the test's journal, closed after the test. */
  const openStore = (options: Partial<JournaledRuleStateOptions> = {}) => {
    const store = new JournaledRuleState({ path, now: () => now, ...options });
    opened.push(store);
    return store;
  };
  const journalText = () => readFileSync(path, 'utf8');

  beforeEach(() => {
    dir = freshDir();
    path = join(dir, 'data', 'rule-state.journal');
    now = START;
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((store) => store.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes one line a call, and skips a torn last line but replays the rest', async () => {
    const store = openStore();
    await store.addToSets([{ set: 'day:u-1', member: 'p-1', expiresAt: START + HOUR }, { set: 'day:u-1', member: 'p-2', expiresAt: START + HOUR }]);
    await store.addToCounters([{ counter: 'hour:u-1', by: 2, expiresAt: START + HOUR }]);
    await store.raiseMaxima([{ key: 'seen:emis', value: 7, expiresAt: START + HOUR }]);
    expect(journalText().split('\n')).toEqual([`["addToSetRuns",${START},["day:u-1",${START + HOUR},2,"p-1","p-2"]]`,
      expect.stringContaining('addToCounters'), expect.stringContaining('raiseMaxima'), '']);
    await store.close();
    const torn = '["addToSetRuns",1763629200000,["day:u-1",17636';
    appendFileSync(path, torn); // the process died mid-write

    const reopened = openStore();
    expect(await reopened.open()).toMatchObject({ lines: 3, tornBytes: torn.length });
    expect((await reopened.readSets(['day:u-1'])).get('day:u-1')?.sort()).toEqual(['p-1', 'p-2']);
    expect(await reopened.readCounters(['hour:u-1'])).toEqual(new Map([['hour:u-1', 2]]));
    expect(await reopened.readMaxima('seen:')).toEqual(new Map([['seen:emis', 7]]));
    // Opening dropped the torn bytes, so the next line is not glued to them.
    await reopened.addToSets([{ set: 'day:u-1', member: 'p-4', expiresAt: START + HOUR }]);
    await reopened.close();
    const again = openStore();
    expect(await again.open()).toMatchObject({ tornBytes: 0 });
    expect((await again.readSets(['day:u-1'])).get('day:u-1')?.sort()).toEqual(['p-1', 'p-2', 'p-4']);
  });

  it('replays a journal written before set additions were grouped by set, and compacts it to grouped lines', async () => {
    const items = (...flat: (string | number)[]) => JSON.stringify(flat);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, [
      `["addToSets",${START},${items('day:u-1', 'p-1', START + HOUR, 'day:u-1', 'p-2', START + HOUR, 'day:u-2', 'p-1', START + 2 * HOUR)}]`,
      `["addToCounters",${START},${items('hour:u-1', 2, START + HOUR)}]`,
      `["addToSets",${START + MINUTE},${items('day:u-1', 'p-3', START + 2 * HOUR, 'gone', 'p-1', START + MINUTE)}]`, '',
    ].join('\n'));
    now += 2 * MINUTE;
    const store = openStore();
    expect(await store.open()).toMatchObject({ lines: 3, tornBytes: 0 });
    const expected = new Map([['day:u-1', ['p-1', 'p-2', 'p-3']], ['day:u-2', ['p-1']], ['gone', []]]);
    expect(await store.readSets(['day:u-1', 'day:u-2', 'gone'])).toEqual(expected);
    expect(await store.readCounters(['hour:u-1'])).toEqual(new Map([['hour:u-1', 2]]));
    expect(journalText().split('\n')).toEqual([
      `["addToSetRuns",${now},["day:u-1",${START + 2 * HOUR},3,"p-1","p-2","p-3","day:u-2",${START + 2 * HOUR},1,"p-1"]]`,
      expect.stringContaining('addToCounters'), '',
    ]);
    await store.close();
    expect(await openStore().readSets(['day:u-1', 'day:u-2', 'gone'])).toEqual(expected);
  });

  it('refuses to open a journal damaged before its last line, naming the line', async () => {
    const store = openStore();
    await store.addToCounters([{ counter: 'c', by: 1, expiresAt: START + HOUR }]);
    await store.close();
    writeFileSync(path, `${journalText()}{"not":"a call"}\n${journalText()}`);
    const damaged = openStore();
    await expect(damaged.open()).rejects.toThrow(/damaged at line 2/);
    await expect(damaged.readCounters(['c'])).rejects.toThrow(/damaged at line 2/);
    // A run of set members longer than its line.
    writeFileSync(path, `${journalText().split('\n')[0]}\n["addToSetRuns",${START},["s",${START + HOUR},3,"a","b"]]\n${journalText()}`);
    await expect(openStore().open()).rejects.toThrow(/damaged at line 2/);
  });

  it('replays each call at the time it ran, so a window extended before it ended keeps its members', async () => {
    const store = openStore();
    await store.addToSets([{ set: 'window', member: 'a', expiresAt: START + MINUTE }]);
    now += MINUTE / 2; // still open: extended
    await store.addToSets([{ set: 'window', member: 'b', expiresAt: START + HOUR }]);
    await store.addToSets([{ set: 'gone', member: 'a', expiresAt: START + MINUTE }]);
    now += MINUTE; // 'gone' has ended: started afresh
    await store.addToSets([{ set: 'gone', member: 'b', expiresAt: START + HOUR }]);
    await store.close();
    now += MINUTE;
    const reopened = openStore();
    expect((await reopened.readSets(['window', 'gone'])).get('window')?.sort()).toEqual(['a', 'b']);
    expect(await reopened.readSets(['gone'])).toEqual(new Map([['gone', ['b']]]));
  });

  it('replays counters exactly, from the journal and from a snapshot', async () => {
    const store = openStore();
    for (let i = 0; i < 10; i++) await store.addToCounters([{ counter: 'tenths', by: 0.1, expiresAt: START + HOUR }]);
    const before = (await store.readCounters(['tenths'])).get('tenths');
    expect(before).not.toBe(1); // 0.9999999999999999: any other order of additions would differ
    await store.close();
    const fromJournal = openStore(); // replays the ten increments, then compacts to one value
    expect((await fromJournal.readCounters(['tenths'])).get('tenths')).toBe(before);
    await fromJournal.close();
    expect(journalText().trim().split('\n')).toHaveLength(1);
    const fromSnapshot = openStore();
    expect((await fromSnapshot.readCounters(['tenths'])).get('tenths')).toBe(before);
  });

  it('compacts a grown journal to the live state, dropping expired entries, and reopens to the same state', async () => {
    const store = openStore({ compactAtBytes: 2_000 });
    await store.addToSets(Array.from({ length: 50 }, (_, i) => ({ set: 'short', member: `p-${i}`, expiresAt: START + MINUTE })));
    await store.addToCounters([{ counter: 'short', by: 5, expiresAt: START + MINUTE }, { counter: 'long', by: 5, expiresAt: START + HOUR }]);
    await store.raiseMaxima([{ key: 'seen:short', value: 1, expiresAt: START + MINUTE }, { key: 'seen:long', value: 2, expiresAt: START + HOUR }]);
    await store.addToSets([{ set: 'long', member: 'a', expiresAt: START + HOUR }, { set: 'long', member: 'b', expiresAt: START + HOUR }]);
    now += 2 * MINUTE;
    const grown = statSync(path).size;
    // Pushes the journal past 2,000 bytes: compaction follows this call, before the next.
    await store.addToCounters(Array.from({ length: 100 }, () => ({ counter: 'long', by: 1, expiresAt: START + HOUR })));
    await store.flush();
    const compacted = journalText();
    expect(compacted.length).toBeLessThan(grown);
    expect(compacted).not.toContain('short');
    expect(compacted.trim().split('\n')).toHaveLength(3); // one line each for sets, counters, maxima

    const state = async (s: JournaledRuleState) => ({
      sets: await s.readSets(['short', 'long']), counters: await s.readCounters(['short', 'long']), maxima: await s.readMaxima('seen:'),
    });
    const expected = {
      sets: new Map([['short', []], ['long', ['a', 'b']]]),
      counters: new Map([['short', 0], ['long', 105]]),
      maxima: new Map([['seen:long', 2]]),
    };
    expect(await state(store)).toEqual(expected);
    await store.close();
    expect(await state(openStore())).toEqual(expected);
  });

  it('lets the journal grow to compactAtGrowth times its last snapshot before compacting again', async () => {
    const store = openStore({ compactAtBytes: 500, compactAtGrowth: 3 });
    await store.addToSets(Array.from({ length: 100 }, (_, i) => ({ set: 'patients', member: `p-${i}`, expiresAt: START + HOUR })));
    await store.flush(); // the compaction queued after that call has run
    const snapshot = statSync(path).size;
    expect(journalText().trim().split('\n')).toHaveLength(1);
    const call = () => store.addToCounters([{ counter: 'calls', by: 1, expiresAt: START + HOUR }]);
    let calls = 0;
    while (statSync(path).size + 200 < 3 * snapshot && calls < 500) {
      await call();
      calls += 1;
    }
    await store.flush();
    expect(journalText().trim().split('\n')).toHaveLength(1 + calls); // not compacted below three times the snapshot
    while (journalText().trim().split('\n').length > 2 && calls < 1000) {
      await call();
      await store.flush();
      calls += 1;
      expect(statSync(path).size).toBeLessThan(3 * snapshot + 200);
    }
    expect(await store.readCounters(['calls'])).toEqual(new Map([['calls', calls]]));
    expect((await store.readSets(['patients'])).get('patients')).toHaveLength(100);
  });

  it('loses no call that arrives while it compacts', async () => {
    const store = openStore({ compactAtBytes: 1 }); // compacts after every call
    await Promise.all(Array.from({ length: 200 }, (_, i) => i % 2 === 0
      ? store.addToCounters([{ counter: 'calls', by: 1, expiresAt: START + HOUR }])
      : store.addToSets([{ set: 'members', member: `m-${i}`, expiresAt: START + HOUR }])));
    expect(await store.readCounters(['calls'])).toEqual(new Map([['calls', 100]]));
    await store.close();
    const reopened = openStore();
    expect(await reopened.readCounters(['calls'])).toEqual(new Map([['calls', 100]]));
    expect((await reopened.readSets(['members'])).get('members')).toHaveLength(100);
  });

  it('persists and replays 50,000 additions', async () => {
    const store = openStore();
    for (let call = 0; call < 50; call++) {
      await store.addToSets(Array.from({ length: 1000 }, (_, i) => ({ set: `day:u-${i % 50}`, member: `p-${call}-${i}`, expiresAt: START + HOUR })));
    }
    await store.close();
    const reopened = openStore();
    expect(await reopened.open()).toMatchObject({ lines: 50, tornBytes: 0 });
    const sets = await reopened.readSets(Array.from({ length: 50 }, (_, u) => `day:u-${u}`));
    expect([...sets.values()].map((members) => members.length)).toEqual(Array(50).fill(1000));
    expect(sets.get('day:u-7')).toContain('p-49-957');
    // The snapshot, with one set spanning lines.
    await reopened.addToSets(Array.from({ length: 15_000 }, (_, i) => ({ set: 'big', member: `p-${i}`, expiresAt: START + HOUR })));
    await reopened.close();
    const compacted = openStore();
    expect(await compacted.open()).toMatchObject({ lines: 6 }); // then writes the snapshot
    await compacted.close();
    const fromSnapshot = openStore();
    expect(await fromSnapshot.open()).toMatchObject({ lines: 7, tornBytes: 0 });
    expect((await fromSnapshot.readSets(['big'])).get('big')).toEqual(Array.from({ length: 15_000 }, (_, i) => `p-${i}`));
    expect(await fromSnapshot.readSets(Array.from({ length: 50 }, (_, u) => `day:u-${u}`))).toEqual(sets);
  });

  it('cuts a failed write back off the journal and leaves the call unapplied', async () => {
    const store = openStore();
    await store.addToCounters([{ counter: 'c', by: 1, expiresAt: START + HOUR }]);
    const probe = await open(join(dir, 'probe'), 'a');
    const prototype = Object.getPrototypeOf(probe) as FileHandle;
    await probe.close();
    const write = prototype.write as (...args: unknown[]) => Promise<unknown>;
    const spy = vi.spyOn(prototype, 'write').mockImplementationOnce(async function (this: FileHandle, ...args: unknown[]) {
      const [buffer, offset, length] = args as [Buffer, number, number];
      await write.call(this, buffer, offset, Math.floor(length / 2)); // half the line reaches the file
      throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
    });
    try {
      await expect(store.addToCounters([{ counter: 'c', by: 10, expiresAt: START + HOUR }])).rejects.toThrow(/no space/);
    } finally {
      spy.mockRestore();
    }
    expect(await store.readCounters(['c'])).toEqual(new Map([['c', 1]]));
    expect(await store.addToCounters([{ counter: 'c', by: 100, expiresAt: START + HOUR }])).toEqual(new Map([['c', 101]]));
    await store.close();
    expect(await openStore().readCounters(['c'])).toEqual(new Map([['c', 101]]));
  });

  it('refuses calls once closed', async () => {
    const store = openStore();
    await store.open();
    await store.close();
    await expect(store.addToCounters([{ counter: 'c', by: 1, expiresAt: START + HOUR }])).rejects.toThrow(/closed/);
  });
});
