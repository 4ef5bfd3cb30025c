/**
 * Post-to-alert latency: for each alert the benchmark's events opened, the alert's `createdAt`
 * (the server's clock) minus the wall-clock time the client sent the POST that carried the event
 * that opened it. Client and server share the machine, so they share the clock.
 *
 * Which event opened an alert is read from its evidence (event ids are `<runId>-<n>`, n in posting
 * order): for a per-event rule, the first evidence event posted (one matching event opens the
 * alert; later ones add to it); for a windowed rule, the event that took the window to its
 * threshold, the `threshold`-th event in posting order (or, for a rule counting distinct patients,
 * the event that brought the `threshold`-th distinct patient). Batches in flight at once may be
 * processed out of posting order, so a figure can be off by about one request's time.
 */

export interface AlertSummary {
  ruleId: string;
  raises: 'alert' | 'signal';
  createdAt: string;
  eventCount: number;
  evidence: { system: string; id: string }[];
  explanation?: { details?: Record<string, unknown> };
}

export interface LatencyFigures {
  alerts: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface RunEvents {
  runId: string;
  system: string;
  batch: number;
  /** Wall-clock send time of each body (ms since the epoch). */
  sentAtMs: readonly number[];
  /** Each event's NHS number, by event number. */
  patients: Float64Array;
}

/** The event number of an evidence reference from this run, or undefined. */
function eventNumber(run: RunEvents, ref: { system: string; id: string }): number | undefined {
  if (ref.system !== run.system || !ref.id.startsWith(`${run.runId}-`)) return undefined;
  const n = Number(ref.id.slice(run.runId.length + 1));
  return Number.isInteger(n) ? n : undefined;
}

/** When the POST carrying the event that opened this alert was sent, or undefined if none of its evidence is from this run. */
export function openedBySentAt(alert: AlertSummary, run: RunEvents, windowed: boolean): number | undefined {
  const events = alert.evidence.map((ref) => eventNumber(run, ref)).filter((n): n is number => n !== undefined);
  if (events.length === 0) return undefined;
  const sent = (n: number) => run.sentAtMs[Math.floor(n / run.batch)];
  events.sort((a, b) => sent(a) - sent(b) || a - b);
  if (!windowed) return sent(events[0]);
  const threshold = Number(alert.explanation?.details?.threshold);
  if (!Number.isInteger(threshold) || threshold < 1) {
    const created = Date.parse(alert.createdAt);
    return events.map(sent).filter((at) => at <= created).at(-1) ?? sent(events[0]);
  }
  if (alert.explanation?.details?.distinct !== undefined) {
    const seen = new Set<number>();
    for (const n of events) {
      seen.add(run.patients[n]);
      if (seen.size >= threshold) return sent(n);
    }
  }
  return sent(events[Math.min(threshold, events.length) - 1]);
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

export function latencyFigures(latencies: number[]): LatencyFigures {
  const sorted = [...latencies].sort((a, b) => a - b);
  return { alerts: sorted.length, p50Ms: Math.round(percentile(sorted, 0.5)), p99Ms: Math.round(percentile(sorted, 0.99)), maxMs: Math.round(sorted.at(-1) ?? 0) };
}

/** Latency figures for per-event and windowed rules, and how many alerts each rule opened from this run. */
export function alertLatencies(alerts: AlertSummary[], run: RunEvents, windowedRules: ReadonlySet<string>) {
  const perEvent: number[] = [];
  const windowed: number[] = [];
  const byRule: Record<string, { alerts: number; events: number; p50Ms?: number; p99Ms?: number }> = {};
  const latencyByRule = new Map<string, number[]>();
  for (const alert of alerts) {
    const isWindowed = windowedRules.has(alert.ruleId);
    const sentAt = openedBySentAt(alert, run, isWindowed);
    if (sentAt === undefined) continue;
    const latency = Date.parse(alert.createdAt) - sentAt;
    (isWindowed ? windowed : perEvent).push(latency);
    const rule = (byRule[alert.ruleId] ??= { alerts: 0, events: 0 });
    rule.alerts++;
    rule.events += alert.eventCount;
    latencyByRule.set(alert.ruleId, [...(latencyByRule.get(alert.ruleId) ?? []), latency]);
  }
  for (const [ruleId, latencies] of latencyByRule) {
    const figures = latencyFigures(latencies);
    Object.assign(byRule[ruleId], { p50Ms: figures.p50Ms, p99Ms: figures.p99Ms });
  }
  return { perEvent: latencyFigures(perEvent), windowed: latencyFigures(windowed), byRule };
}

/** Every alert (or signal) of the person's organisations, page by page, from GET /v1/alerts. */
export async function fetchAlerts(url: string, token: string, raises: 'alert' | 'signal'): Promise<AlertSummary[]> {
  const alerts: AlertSummary[] = [];
  let cursor: string | undefined;
  do {
    const query = new URLSearchParams({ raises, limit: '500', ...(cursor ? { cursor } : {}) });
    const response = await fetch(`${url}/v1/alerts?${query}`, { headers: { authorization: `Bearer ${token}` } });
    if (response.status !== 200) throw new Error(`GET /v1/alerts answered ${response.status}: ${await response.text()}`);
    const page = (await response.json()) as { alerts: AlertSummary[]; nextCursor?: string };
    alerts.push(...page.alerts);
    cursor = page.nextCursor;
  } while (cursor);
  return alerts;
}
