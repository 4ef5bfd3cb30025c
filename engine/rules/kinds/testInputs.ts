import { Ajv } from 'ajv';
import { subjectKey } from '../../alerts/alert.js';
import type { AccessEvent } from '../../events/accessEvent.js';
import type { Explanation } from '../../explain/explanation.js';
import type { Patient, Staff } from '../../reference/referenceData.js';
import { conditionSchema } from '../conditions.js';
import type { AccessFacts, CompiledRule, RuleContext, RuleDefinition, RuleInput, RuleKind, RuleMatch, RulesConfig } from '../ruleKind.js';
import type { RuleStateStore } from '../ruleState.js';
import { MemoryRuleState } from '../state/memoryRuleState.js';

/**
 * Test helpers for the windowed kinds: enriched accesses with sensible defaults, a rule
 * definition around a kind's params, a context with a fixed clock, and the firings a list of
 * matches amounts to (so orders, splits and replays can be compared).
 */

export interface PartialInput {
  event?: Partial<Omit<AccessEvent, 'user' | 'patient'>> & { user?: Partial<AccessEvent['user']>; patient?: Partial<AccessEvent['patient']> };
  facts?: Partial<AccessFacts>;
  explanation?: Explanation;
  staff?: Staff;
  patient?: Patient;
  /** When accesswatch received it (default: when it occurred). */
  receivedAt?: string;
}

const NO_FACTS: AccessFacts = {
  knownUser: true, ownRecord: false, familyOrNeighbour: false, sameSurname: false, sameAddress: false, samePostcode: false,
  coWorker: false, deceasedBeyondMargin: false, leaver: false, afterHours: false, recordPartNotAllowed: false, optedOut: false, secondaryUse: false,
};

let made = 0;

/** An enriched access: the partial event over defaults (user U1 of RX1 viewing a record on EPR), facts all false but knownUser. */
export function testInput(partial: PartialInput = {}): RuleInput {
  made += 1;
  const given = partial.event ?? {};
  const event: AccessEvent = {
    id: `e${made}`,
    occurredAt: '2026-03-02T10:00:00.000Z',
    system: 'EPR',
    organisation: 'RX1',
    action: 'view',
    ...given,
    user: { id: 'U1', role: 'R8000', ...given.user },
    patient: { nhsNumber: '9434765919', ...given.patient },
  } as AccessEvent;
  const at = Date.parse(event.occurredAt);
  return {
    stored: {
      docId: `${event.system}:${event.id}`, event, sha256: '0'.repeat(64), receivedAt: partial.receivedAt ?? new Date(at).toISOString(), batchId: 'test',
    },
    event,
    explanation: partial.explanation ?? { explained: true, checked: [] },
    ...(partial.staff ? { staff: partial.staff } : {}),
    ...(partial.patient ? { patient: partial.patient } : {}),
    facts: { ...NO_FACTS, ...partial.facts },
    at,
  };
}

/** An instant `minutes` after a base time (ISO). */
export function minutesAfter(base: string, minutes: number): string {
  return new Date(Date.parse(base) + minutes * 60_000).toISOString();
}

export const TEST_CONFIG: RulesConfig = {
  workingHours: { start: '07:00', end: '19:00' },
  workingDays: [0, 1, 2, 3, 4, 5, 6],
  recordPartRoleClasses: {},
  deceasedMarginDays: 30,
  latenessMs: 3_600_000,
};

/** A rule of a kind with these params (validated against the kind's schema, as the loader would). */
export function testRule(kind: RuleKind, params: Record<string, unknown>, id = 'AW-BRE-900'): CompiledRule {
  const problems = paramsProblems(kind, params);
  if (problems.length > 0) throw new Error(`params do not match the ${kind.name} schema: ${problems.join('; ')}`);
  const definition: RuleDefinition = {
    id, title: `test ${kind.name}`, family: 'breach-pattern', severity: 'medium', kind: kind.name, subject: kind.defaultSubject,
    raises: 'alert', rationale: 'test rule', falsePositives: [], enabled: true, params,
  };
  return kind.compile(definition, TEST_CONFIG);
}

/** What ajv says about params against a kind's schema (empty when they are valid). */
export function paramsProblems(kind: RuleKind, params: unknown): string[] {
  const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
  ajv.addSchema(conditionSchema as unknown as Record<string, unknown>);
  const validate = ajv.compile(kind.paramsSchema);
  return validate(params) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

/** A context at a fixed instant over a state store (a fresh in-memory one by default). */
export function testContext(now: string | number, state: RuleStateStore = new MemoryRuleState(() => Date.parse(String(now))), config: Partial<RulesConfig> = {}): RuleContext {
  const at = typeof now === 'number' ? now : Date.parse(now);
  return { state, clock: { now: () => at }, config: { ...TEST_CONFIG, ...config } };
}

/** One firing: a subject's window, with the highest count seen and every event given as evidence. */
export interface Firing {
  count: number;
  evidence: string[];
}

/** Matches as firings by `<subject>|<window start>[|<value>]`: what must not depend on order, splits or replays. */
export function firingsOf(matches: readonly RuleMatch[]): Map<string, Firing> {
  const firings = new Map<string, Firing>();
  for (const match of matches) {
    const { windowStart, value } = match.explanation.details ?? {};
    const id = [subjectKey(match.subject), windowStart, value].filter((part) => part !== undefined).join('|');
    const firing = firings.get(id) ?? { count: 0, evidence: [] };
    firing.count = Math.max(firing.count, Number(match.explanation.details?.count ?? 0));
    firing.evidence = [...new Set([...firing.evidence, ...match.evidence.map((ref) => ref.docId)])].sort();
    firings.set(id, firing);
  }
  return new Map([...firings].sort(([a], [b]) => a.localeCompare(b)));
}

/** The inputs in a shuffled order (seeded, so a failure can be repeated). */
export function shuffled<T>(items: readonly T[], seed = 7): T[] {
  const out = [...items];
  let state = seed;
  for (let i = out.length - 1; i > 0; i--) {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** Evaluates batches one after another with one rule and one context; all matches. */
export async function runBatches(rule: CompiledRule, batches: readonly (readonly RuleInput[])[], context: RuleContext): Promise<RuleMatch[]> {
  const matches: RuleMatch[] = [];
  for (const batch of batches) matches.push(...(await rule.evaluate(batch, context)));
  return matches;
}

/**
 * Two workers: two compiled instances of the rule sharing one state store, each given half of
 * the inputs (alternately), evaluated at the same time.
 */
export async function runTwoWorkers(makeRule: () => CompiledRule, inputs: readonly RuleInput[], context: RuleContext): Promise<RuleMatch[]> {
  const halves = [inputs.filter((_, i) => i % 2 === 0), inputs.filter((_, i) => i % 2 === 1)];
  const [first, second] = await Promise.all(halves.map((half) => makeRule().evaluate(half, context)));
  return [...first, ...second];
}
