/**
 * What `accesswatch demo` reads back through the API once the simulated day is posted, as an IG
 * officer and a Caldicott guardian would: the share of accesses explained, the alerts by rule
 * with a few explanations, and one confirmed alert turned into an incident assessed as
 * reportable to the ICO.
 */
import { concernsUser } from '../../engine/alerts/alert.js';
import type { ScenarioLabel } from '../../engine/simulator/labels.js';
import { askServer as askServerAs } from './adminClient.js';

type Json = Record<string, unknown>;

/** One request with a person's token (adminClient's askServer), its refusals naming the request. */
export async function askServer(url: string, token: string, method: 'GET' | 'POST' | 'PATCH' | 'PUT', path: string, payload?: unknown): Promise<Json> {
  try {
    return await askServerAs(url, token, method, path, payload) as Json;
  } catch (err) {
    throw new Error(`${method} ${path}: ${(err as Error).message}`, { cause: err });
  }
}

/** An alert as the demo uses it (a subset of the API's alert). */
export interface DemoAlert {
  id: string;
  ruleId: string;
  title: string;
  severity: string;
  organisation: string;
  /** The user, or for a team's alert about one patient the team and the users behind it. */
  userId?: string;
  team?: string;
  users?: string[];
  /** For an alert about a source system (an audit gap). */
  system?: string;
  eventCount: number;
  version: number;
  explanation: { text: string };
}

/** The alerts of one rule: how many, and the first few explanations. */
export interface RuleAlerts {
  ruleId: string;
  title: string;
  count: number;
  examples: string[];
}

/** The reportable incident the demo creates and assesses. */
export interface DemoIncident {
  id: string;
  alert: DemoAlert;
  reportableToIco: boolean;
  reportableReason: string;
  icoDeadline: string;
  hoursLeft: number;
}

/** The accesses of the period and how many the care system's own data explained. */
export interface Explained {
  total: number;
  explained: number;
  rate: number;
}

/** Reads the guardian's report for the period: accesses and the explained rate. */
export async function readExplained(url: string, guardianToken: string, from: string, to: string): Promise<Explained> {
  const query = new URLSearchParams({ from, to });
  const report = await askServer(url, guardianToken, 'GET', `/v1/reports/caldicott?${query}`);
  const accesses = report.accesses as { total: number; explained: number; explainedRate?: number };
  return { total: accesses.total, explained: accesses.explained, rate: accesses.explainedRate ?? 0 };
}

/** Every alert of the officer's organisations, page by page (or, with `raises` signal, every signal). */
export async function readAlerts(url: string, officerToken: string, raises: 'alert' | 'signal' = 'alert'): Promise<DemoAlert[]> {
  const alerts: DemoAlert[] = [];
  let cursor: string | undefined;
  do {
    const query = new URLSearchParams({ limit: '500', ...(raises === 'signal' ? { raises } : {}), ...(cursor ? { cursor } : {}) });
    const page = await askServer(url, officerToken, 'GET', `/v1/alerts?${query}`);
    alerts.push(...(page.alerts as DemoAlert[]));
    cursor = page.nextCursor as string | undefined;
  } while (cursor);
  return alerts;
}

/** Alerts grouped by rule, most alerts first, each with up to `examples` different explanation texts. */
export function alertsByRule(alerts: DemoAlert[], examples = 3): RuleAlerts[] {
  const byRule = new Map<string, RuleAlerts>();
  for (const alert of alerts) {
    const rule = byRule.get(alert.ruleId) ?? { ruleId: alert.ruleId, title: alert.title, count: 0, examples: [] };
    rule.count++;
    const text = alert.explanation.text;
    if (rule.examples.length < examples && !rule.examples.includes(text)) rule.examples.push(text);
    byRule.set(alert.ruleId, rule);
  }
  return [...byRule.values()].sort((a, b) => b.count - a.count || a.ruleId.localeCompare(b.ruleId));
}

/** Breach-pattern rules (windowed: many patients, bulk export, enumeration...) have ids starting AW-BP. */
export function isBreachPattern(ruleId: string): boolean {
  return ruleId.startsWith('AW-BP-');
}

const SEVERITY_ORDER = ['critical', 'high', 'medium', 'low'];

/** The alert worth escalating: a high or critical breach pattern if there is one, else the most severe alert. */
export function alertToEscalate(alerts: DemoAlert[]): DemoAlert | undefined {
  const rank = (a: DemoAlert) => SEVERITY_ORDER.indexOf(a.severity) * 2 + (isBreachPattern(a.ruleId) ? 0 : 1);
  return [...alerts].sort((a, b) => rank(a) - rank(b) || b.eventCount - a.eventCount)[0];
}

/**
 * Confirms `alert` as an IG officer, opens an incident from it and assesses it on the DSPT grid
 * as likely to have occurred (4) with adverse effect (3): reportable to the ICO within 72 hours.
 */
export async function escalateToIncident(url: string, officerToken: string, alert: DemoAlert): Promise<DemoIncident> {
  await askServer(url, officerToken, 'PATCH', `/v1/alerts/${encodeURIComponent(alert.id)}`, {
    status: 'confirmed', version: alert.version,
    resolution: { note: 'Demo: the user confirmed no care reason for these accesses.' },
  });
  const incident = await askServer(url, officerToken, 'POST', '/v1/incidents', {
    title: `${alert.title} by ${alert.userId ?? (alert.team ? `team ${alert.team}` : `system ${alert.system}`)}`,
    description: `Opened by accesswatch demo from alert ${alert.id} (${alert.ruleId}), confirmed by the IG officer.`,
    alertIds: [alert.id],
  });
  const id = incident.id as string;
  const assessment = await askServer(url, officerToken, 'PUT', `/v1/incidents/${encodeURIComponent(id)}/assessment`, {
    likelihood: 4, severity: 3,
    dataSubjects: Math.max(1, alert.eventCount), records: Math.max(1, alert.eventCount),
    categories: ['health records', 'contact details'], vulnerableGroups: [],
    consequences: 'Confidential health information seen by someone with no care reason; possible distress to the patients.',
    measures: 'Account suspended pending investigation; the user\'s accesses reviewed; staff reminded of the confidentiality policy.',
    contact: { name: 'Data Protection Officer', role: 'DPO', email: 'dpo@example.org' },
  });
  return {
    id, alert,
    reportableToIco: assessment.reportableToIco as boolean,
    reportableReason: assessment.reportableReason as string,
    icoDeadline: assessment.icoDeadline as string,
    hoursLeft: assessment.hoursLeft as number,
  };
}

/** How much of the injected misuse (the simulation's labels) the alerts caught. */
export interface MisuseCaught {
  injected: number;
  caught: number;
  breachPatternsInjected: number;
  breachPatternsCaught: number;
}

/** Counts the misuse scenarios that an alert of one of their rules names (same organisation, and the user or a team alert naming them). */
export function misuseCaught(labels: ScenarioLabel[], alerts: DemoAlert[]): MisuseCaught {
  const result: MisuseCaught = { injected: 0, caught: 0, breachPatternsInjected: 0, breachPatternsCaught: 0 };
  for (const label of labels) {
    if (label.kind !== 'misuse') continue;
    const { organisation, userId } = label.subject;
    const caught = alerts.some((a) => label.ruleIds.includes(a.ruleId) && a.organisation === organisation && (userId === undefined || concernsUser(a, userId)));
    const breachPattern = label.family === 'breach-pattern';
    result.injected++;
    if (caught) result.caught++;
    if (breachPattern) result.breachPatternsInjected++;
    if (breachPattern && caught) result.breachPatternsCaught++;
  }
  return result;
}
