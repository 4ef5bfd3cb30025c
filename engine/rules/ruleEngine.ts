import { suppresses, type AlertUpdate } from '../alerts/alert.js';
import type { StoredEvent } from '../events/accessEvent.js';
import type { Logger } from '../log.js';
import type { BatchReference } from '../reference/batchReference.js';
import type { AlertStore } from '../store/port.js';
import { accessFacts } from './accessFacts.js';
import type { CompiledRule, RuleClock, RuleContext, RuleInput, RuleMatch, RulesConfig } from './ruleKind.js';
import type { RuleStateStore } from './ruleState.js';

/** What the rule engine found in one batch (or one tick). */
export interface DetectionResult {
  /** Alert updates recorded (opening or adding to alerts and signals). */
  recorded: number;
  /** Updates a suppression held back. */
  suppressed: number;
}

/** Enriches stored events for the rules: their reference data and facts, looked up once per batch. */
export function ruleInputsOf(events: readonly StoredEvent[], reference: BatchReference, config: RulesConfig): RuleInput[] {
  const inputs: RuleInput[] = [];
  for (const stored of events) {
    const { event } = stored;
    const at = Date.parse(event.occurredAt);
    const staff = reference.staffOf(event);
    const patient = reference.patientOf(event.patient.nhsNumber);
    inputs.push({
      stored,
      event,
      explanation: stored.explanation ?? { explained: false, checked: [], why: 'the access was stored without an explanation' },
      ...(staff ? { staff } : {}),
      ...(patient ? { patient } : {}),
      facts: accessFacts(event, at, { staff, patient, patientAsStaff: reference.staffWithNhsNumber(event.patient.nhsNumber) }, config),
      at,
    });
  }
  return inputs;
}

/** A rule's match as an alert update: the rule's title, severity (unless the match raises it) and kind of finding. */
export function alertUpdateOf(rule: CompiledRule, match: RuleMatch): AlertUpdate {
  const { definition } = rule;
  return {
    ruleId: definition.id,
    title: definition.title,
    severity: match.severity ?? definition.severity,
    raises: definition.raises,
    subject: match.subject,
    firstSeenAt: match.firstSeenAt,
    lastSeenAt: match.lastSeenAt,
    explanation: match.explanation,
    evidence: match.evidence,
    ...(match.users !== undefined ? { users: match.users } : {}),
  };
}

/**
 * Runs the enabled rules over each batch of newly stored events and records what they find as
 * alerts (one open alert per rule and subject), leaving out what a suppression covers. The same
 * engine runs in the embedded process and in queue workers; windowed rules share their state
 * through the rule-state store, so several workers give the alerts one would.
 */
export class RuleEngine {
  private readonly enabled: CompiledRule[];
  private readonly context: RuleContext;

  constructor(
    readonly rules: readonly CompiledRule[],
    readonly config: RulesConfig,
    state: RuleStateStore,
    private readonly alerts: Pick<AlertStore, 'recordAlerts' | 'activeSuppressions'>,
    clock: RuleClock = { now: Date.now },
    private readonly logger?: Logger,
  ) {
    this.enabled = rules.filter((rule) => rule.definition.enabled);
    this.context = { state, clock, config };
  }

  /** Whether any rule is enabled (with none, detect does nothing). */
  get evaluating(): boolean {
    return this.enabled.length > 0;
  }

  /** Every enabled rule's matches for these inputs, as alert updates. */
  async updatesFor(inputs: readonly RuleInput[], rules: readonly CompiledRule[] = this.enabled): Promise<AlertUpdate[]> {
    if (inputs.length === 0) return [];
    const found = await Promise.all(rules.map(async (rule) => (await rule.evaluate(inputs, this.context)).map((match) => alertUpdateOf(rule, match))));
    return found.flat();
  }

  /** Evaluates a batch of newly stored events and records the alerts. */
  async detect(events: readonly StoredEvent[], reference: BatchReference): Promise<DetectionResult> {
    if (this.enabled.length === 0) return { recorded: 0, suppressed: 0 };
    const updates = await this.updatesFor(ruleInputsOf(events, reference, this.config));
    return this.record(updates);
  }

  /** Runs the rules that fire on the passage of time (a source gone silent). */
  async tick(): Promise<DetectionResult> {
    const found = await Promise.all(this.enabled.map(async (rule) => (rule.tick ? (await rule.tick(this.context)).map((match) => alertUpdateOf(rule, match)) : [])));
    return this.record(found.flat());
  }

  private async record(updates: AlertUpdate[]): Promise<DetectionResult> {
    if (updates.length === 0) return { recorded: 0, suppressed: 0 };
    const now = new Date(this.context.clock.now()).toISOString();
    const organisations = [...new Set(updates.map((update) => update.subject.organisation))];
    const suppressions = await this.alerts.activeSuppressions(organisations, now);
    const kept = suppressions.length === 0 ? updates : updates.filter((update) => !suppressions.some((s) => suppresses(s, update, now)));
    if (kept.length > 0) await this.alerts.recordAlerts(kept, now);
    const result = { recorded: kept.length, suppressed: updates.length - kept.length };
    this.logger?.debug({ module: 'rules', ...result }, 'alerts recorded');
    return result;
  }
}
