import type { Alert } from '../alerts/alert.js';
import type { RuleFamily, ScenarioLabel } from './labels.js';

/**
 * Detection quality against the simulator's ground truth. Recall: of each labelled scenario's
 * expected rules, how many raised an alert (or signal) holding one of the scenario's events (for
 * an audit gap: about its organisation and system). Precision: of the alerts raised (signals
 * left out, they are not triaged), how many hold an injected event; and the same leaving out the
 * alerts a rule raises on legitimate care by its design (labelled `legitimate-alert`), so that the
 * engine's own mistakes show. And how the legitimate accesses fared: the share explained, the
 * share held by false alerts, the controls left alone.
 */

export interface FamilyScore {
  /** Expected (scenario, rule) pairs of the family's rules, and those detected. */
  expected: number;
  detected: number;
  recall: number;
  /** Alerts (not signals) of the family's rules, and those holding injected events. */
  alerts: number;
  truePositives: number;
  precision: number;
  /** False positives on legitimate care the rule raises by its design (labelled `legitimate-alert`). */
  byDesign: number;
  /** Precision leaving those out: the mistakes left are the engine's. */
  precisionBeyondDesign: number;
}

/** Recall and precision per family and rule, what was missed, and how legitimate accesses fared. */
export interface DetectionScore {
  families: Record<RuleFamily | 'all', FamilyScore>;
  /** Per rule: expected and detected pairs, alerts and false positives. */
  rules: Record<string, { expected: number; detected: number; alerts: number; falsePositives: number; byDesign: number }>;
  /** Scenarios with every expected rule detected, of all scenarios. */
  scenarios: { total: number; fullyDetected: number };
  missed: { scenario: string; ruleId: string; subject: ScenarioLabel['subject'] }[];
  /** Legitimate accesses: explained, and held by a false-positive alert (a true alert's window may hold some too: not counted). */
  legitimate: { events: number; explained: number; explainedShare: number; inFalseAlerts: number; inFalseAlertsShare: number };
  /** Controls held by a false-positive alert not raised by design, and by which rules. */
  controls: { total: number; flagged: number; flaggedBy: Record<string, number> };
}

const FAMILIES: RuleFamily[] = ['inappropriate-access', 'legitimate-relationship', 'breach-pattern'];
const ratio = (a: number, b: number) => (b === 0 ? 1 : a / b);
const keyOf = (event: { system: string; id: string }) => `${event.system}|${event.id}`;

/**
 * Scores `alerts` against `labels`. `families` maps each rule id to its family; `explained`
 * says, for every access replayed (`system|id`), whether a relationship explained it.
 */
export function scoreDetection(labels: readonly ScenarioLabel[], alerts: readonly Alert[], families: ReadonlyMap<string, RuleFamily>, explained: ReadonlyMap<string, boolean>): DetectionScore {
  const misuse = labels.filter((label) => label.kind === 'misuse');
  const injected = new Set(misuse.flatMap((label) => label.events.map(keyOf)));
  const silent = misuse.filter((label) => label.subject.system !== undefined);
  const blank = (): FamilyScore => ({ expected: 0, detected: 0, recall: 1, alerts: 0, truePositives: 0, precision: 1, byDesign: 0, precisionBeyondDesign: 1 });
  const expectedOnCare = new Map<string, Set<string>>();
  for (const label of labels.filter((l) => l.kind === 'legitimate-alert')) {
    for (const event of label.events) expectedOnCare.set(keyOf(event), new Set(label.ruleIds));
  }
  const score: DetectionScore = {
    families: { 'inappropriate-access': blank(), 'legitimate-relationship': blank(), 'breach-pattern': blank(), all: blank() },
    rules: {}, scenarios: { total: misuse.length, fullyDetected: 0 }, missed: [],
    legitimate: { events: 0, explained: 0, explainedShare: 1, inFalseAlerts: 0, inFalseAlertsShare: 0 },
    controls: { total: 0, flagged: 0, flaggedBy: {} },
  };
  const rule = (id: string) => (score.rules[id] ??= { expected: 0, detected: 0, alerts: 0, falsePositives: 0, byDesign: 0 });
  const byRule = new Map<string, Alert[]>();
  for (const alert of alerts) byRule.set(alert.ruleId, [...(byRule.get(alert.ruleId) ?? []), alert]);

  const holds = (alert: Alert, label: ScenarioLabel) => {
    if (label.subject.system !== undefined) return alert.system === label.subject.system && alert.organisation === label.subject.organisation;
    const events = new Set(label.events.map(keyOf));
    return alert.evidence.some((evidence) => events.has(keyOf(evidence)));
  };
  for (const label of misuse) {
    let all = true;
    for (const ruleId of label.ruleIds) {
      const family = families.get(ruleId);
      const found = (byRule.get(ruleId) ?? []).some((alert) => holds(alert, label));
      rule(ruleId).expected++;
      if (found) rule(ruleId).detected++;
      else {
        all = false;
        score.missed.push({ scenario: label.scenario, ruleId, subject: label.subject });
      }
      for (const target of family ? [score.families[family], score.families.all] : [score.families.all]) {
        target.expected++;
        if (found) target.detected++;
      }
    }
    if (all) score.scenarios.fullyDetected++;
  }

  const flagged = new Set<string>();
  const falseAlerts: Alert[] = [];
  for (const alert of alerts) {
    if (alert.raises === 'signal') continue;
    const truePositive = alert.evidence.some((evidence) => injected.has(keyOf(evidence))) || silent.some((label) => holds(alert, label));
    const family = families.get(alert.ruleId);
    rule(alert.ruleId).alerts++;
    const byDesign = !truePositive && alert.evidence.length > 0 && alert.evidence.every((evidence) => expectedOnCare.get(keyOf(evidence))?.has(alert.ruleId));
    if (!truePositive) rule(alert.ruleId).falsePositives++;
    if (byDesign) rule(alert.ruleId).byDesign++;
    for (const target of family ? [score.families[family], score.families.all] : [score.families.all]) {
      target.alerts++;
      if (truePositive) target.truePositives++;
      if (byDesign) target.byDesign++;
    }
    if (truePositive) continue;
    for (const evidence of alert.evidence) flagged.add(keyOf(evidence));
    if (!byDesign) falseAlerts.push(alert);
  }
  for (const target of [...FAMILIES.map((f) => score.families[f]), score.families.all]) {
    target.recall = ratio(target.detected, target.expected);
    target.precision = ratio(target.truePositives, target.alerts);
    target.precisionBeyondDesign = ratio(target.truePositives, target.alerts - target.byDesign);
  }

  for (const [key, wasExplained] of explained) {
    if (injected.has(key)) continue;
    score.legitimate.events++;
    if (wasExplained) score.legitimate.explained++;
    if (flagged.has(key)) score.legitimate.inFalseAlerts++;
  }
  score.legitimate.explainedShare = ratio(score.legitimate.explained, score.legitimate.events);
  score.legitimate.inFalseAlertsShare = score.legitimate.events === 0 ? 0 : score.legitimate.inFalseAlerts / score.legitimate.events;

  for (const label of labels.filter((l) => l.kind === 'control')) {
    score.controls.total++;
    const events = new Set(label.events.map(keyOf));
    const by = falseAlerts.filter((alert) => alert.evidence.some((evidence) => events.has(keyOf(evidence)))).map((alert) => alert.ruleId);
    if (by.length > 0) score.controls.flagged++;
    for (const id of new Set(by)) score.controls.flaggedBy[id] = (score.controls.flaggedBy[id] ?? 0) + 1;
  }
  return score;
}

/** The score as a few lines for people: recall and precision per family, explained share, what was missed. */
export function formatScore(score: DetectionScore): string {
  const pct = (n: number) => `${(n * 100).toFixed(1)}%`;
  const lines = ['family                    recall            precision           precision beyond design'];
  for (const family of [...FAMILIES, 'all'] as const) {
    const f = score.families[family];
    lines.push(`${family.padEnd(25)} ${pct(f.recall).padStart(6)} (${f.detected}/${f.expected})`.padEnd(44)
      + `${pct(f.precision).padStart(6)} (${f.truePositives}/${f.alerts})`.padEnd(20) + `${pct(f.precisionBeyondDesign).padStart(6)} (${f.truePositives}/${f.alerts - f.byDesign})`);
  }
  lines.push(`scenarios fully detected: ${score.scenarios.fullyDetected}/${score.scenarios.total}`);
  lines.push(`legitimate accesses explained: ${pct(score.legitimate.explainedShare)} (${score.legitimate.explained}/${score.legitimate.events}); in a false alert: ${pct(score.legitimate.inFalseAlertsShare)} (${score.legitimate.inFalseAlerts})`);
  lines.push(`controls flagged: ${score.controls.flagged}/${score.controls.total} ${JSON.stringify(score.controls.flaggedBy)}`);
  const noisy = Object.entries(score.rules).filter(([, r]) => r.falsePositives > 0).map(([id, r]) => `${id} ${r.falsePositives}/${r.alerts} (${r.byDesign} by design)`);
  if (noisy.length > 0) lines.push(`false positives by rule: ${noisy.join(', ')}`);
  for (const miss of score.missed) lines.push(`missed: ${miss.scenario} → ${miss.ruleId}`);
  return lines.join('\n');
}
