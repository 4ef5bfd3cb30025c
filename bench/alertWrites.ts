import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { AlertUpdate, EvidenceRef } from '../engine/alerts/alert.js';
import { DuckdbStore } from '../engine/store/duckdb/duckdbStore.js';

/**
 * Alert writes alone: what recording one batch's alert updates costs the embedded store as its
 * alerts table grows, on the load of a deployment whose reference data is not loaded yet (every
 * access unexplained). Each batch, like a batch of 1,000 such events: `--new` updates that open
 * an alert each (unexplained access, one per user and patient), and `--signals` updates, one per
 * user, that add a few events to the user's open after-hours signal (which soon holds the most
 * evidence an alert keeps, 500 events). Prints ms per batch for each tenth of the batches.
 * Usage: node --import tsx bench/alertWrites.ts [--batches 100] [--new 1500] [--signals 400]
 */

const { values: args } = parseArgs({
  options: {
    batches: { type: 'string', default: '100' },
    new: { type: 'string', default: '1500' },
    signals: { type: 'string', default: '400' },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  process.stdout.write('Usage: node --import tsx bench/alertWrites.ts [--batches 100] [--new 1500] [--signals 400]\n');
  process.exit(0);
}

const batches = Number(args.batches);
const opening = Number(args.new);
const signals = Number(args.signals);
const DAY = Date.parse('2026-11-21T00:00:00Z');
const log = (line: string) => process.stdout.write(`${line}\n`);

function evidence(batch: number, n: number): EvidenceRef {
  const docId = `doc-${batch}-${n}`;
  return { docId, system: 'bench-sys', id: docId, occurredAt: new Date(DAY + batch * 60_000 + n).toISOString() };
}

function updatesOf(batch: number): AlertUpdate[] {
  const updates: AlertUpdate[] = [];
  for (let n = 0; n < opening; n++) {
    const ref = evidence(batch, n);
    updates.push({
      ruleId: 'AW-LR-001', title: 'Access not explained by a legitimate relationship', severity: 'medium', raises: 'alert',
      subject: { organisation: 'A81001', userId: `U${n % 400}`, nhsNumber: String(9_000_000_000 + batch * opening + n) },
      firstSeenAt: ref.occurredAt, lastSeenAt: ref.occurredAt, evidence: [ref],
      explanation: { text: 'Nothing explains this access.', checked: ['registration at A81001', 'relationships of the user, team and organisation'], why: 'no relationship active at the time' },
    });
  }
  for (let user = 0; user < signals; user++) {
    const refs = [0, 1, 2].map((k) => evidence(batch, opening + user * 3 + k));
    updates.push({
      ruleId: 'AW-IA-011', title: 'Access outside working hours', severity: 'low', raises: 'signal',
      subject: { organisation: 'A81001', userId: `U${user}` },
      firstSeenAt: refs[0].occurredAt, lastSeenAt: refs[2].occurredAt, evidence: refs,
      explanation: { text: 'Records opened outside working hours.', details: { events: refs.length } },
    });
  }
  return updates;
}

const dir = mkdtempSync(join(tmpdir(), 'aw-alert-writes-'));
const store = new DuckdbStore({ path: join(dir, 'accesswatch.duckdb') });
await store.init();
try {
  const times: number[] = [];
  let opened = 0;
  let updated = 0;
  for (let batch = 0; batch < batches; batch++) {
    const updates = updatesOf(batch);
    const started = performance.now();
    const result = await store.recordAlerts(updates, new Date(DAY + batch * 60_000).toISOString());
    times.push(performance.now() - started);
    opened += result.opened;
    updated += result.updated;
  }
  log(`batches ${batches}, updates per batch ${opening + signals} (${opening} opening, ${signals} to signals); opened ${opened}, updated ${updated}`);
  const tenth = Math.max(1, Math.floor(batches / 10));
  for (let from = 0; from < batches; from += tenth) {
    const part = times.slice(from, from + tenth);
    log(`  batches ${from + 1}-${from + part.length} (alerts before: ${from * opening + signals}): ${(part.reduce((a, b) => a + b, 0) / part.length).toFixed(1)} ms a batch`);
  }
  log(`mean ${(times.reduce((a, b) => a + b, 0) / times.length).toFixed(1)} ms a batch`);
} finally {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
