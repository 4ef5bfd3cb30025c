import { mergeAlert, subjectKey, type Alert, type AlertUpdate } from '../alerts/alert.js';
import { lookUpBatchReference } from '../reference/batchReference.js';
import type { EventStore, ReferenceStore } from '../store/port.js';
import type { CompiledRule, RulesConfig } from './ruleKind.js';
import { RuleEngine } from './ruleEngine.js';
import { MemoryRuleState } from './state/memoryRuleState.js';

/** What a rule would have raised over a period of stored events; nothing is recorded. */
export interface BacktestResult {
  ruleId: string;
  from: string;
  to: string;
  eventsScanned: number;
  /** True when the scan stopped at `maxEvents` before the end of the period. */
  truncated: boolean;
  /** The alerts the rule would have raised (one per subject, as the alert store would hold them), highest score first. */
  alerts: Alert[];
}

export interface BacktestOptions {
  organisations: string[];
  from: string;
  to: string;
  /** Most events read (default 1,000,000). */
  maxEvents?: number;
  /** Events per page read from the store (default 5,000). */
  pageSize?: number;
}

/**
 * Runs one rule over stored events of a period, with fresh in-memory state and the clock at the
 * period's end. Windowed rules judge by event time, so the order the store returns events in does
 * not change what they find; nothing counts as late. Reference data is as it is now.
 */
export async function backtestRule(rule: CompiledRule, config: RulesConfig, store: EventStore & ReferenceStore, options: BacktestOptions): Promise<BacktestResult> {
  const end = Date.parse(options.to);
  const maxEvents = options.maxEvents ?? 1_000_000;
  const alerts = new Map<string, Alert>();
  const collector = {
    async recordAlerts(updates: AlertUpdate[], now: string) {
      for (const update of updates) {
        const key = subjectKey(update.subject);
        alerts.set(key, mergeAlert(alerts.get(key), update, { id: `backtest-${alerts.size + 1}`, now }));
      }
      return { opened: 0, updated: updates.length };
    },
    async activeSuppressions() { return []; },
  };
  const engine = new RuleEngine(
    [{ ...rule, definition: { ...rule.definition, enabled: true } }],
    { ...config, latenessMs: Number.MAX_SAFE_INTEGER },
    new MemoryRuleState(() => end),
    collector,
    { now: () => end },
  );
  let scanned = 0;
  let cursor: string | undefined;
  do {
    const limit = Math.min(options.pageSize ?? 5000, maxEvents - scanned);
    const page = await store.queryEvents({ organisations: options.organisations, from: options.from, to: options.to, limit, cursor });
    scanned += page.events.length;
    if (page.events.length > 0) {
      await engine.detect(page.events, await lookUpBatchReference(page.events, store, { relationships: false, patientsAsStaff: true }));
    }
    cursor = page.nextCursor;
  } while (cursor && scanned < maxEvents);
  await engine.tick();
  return {
    ruleId: rule.definition.id,
    from: options.from,
    to: options.to,
    eventsScanned: scanned,
    truncated: cursor !== undefined,
    alerts: [...alerts.values()].sort((a, b) => b.score - a.score || a.firstSeenAt.localeCompare(b.firstSeenAt)),
  };
}
