import { AUDIT_GAPS, BREACH_PATTERNS } from './breachPatterns.js';
import type { Care, World } from './care.js';
import { INAPPROPRIATE_ACCESS } from './inappropriateAccess.js';
import { LabelDraft, type AccessDraft } from './labels.js';
import { Random, seedFor } from './random.js';
import { ScenarioKit, type Variant } from './scenarioKit.js';
import { UNEXPLAINED_AND_SECONDARY_USE } from './unexplainedAndSecondaryUse.js';

/**
 * Plans the injected misuse of a run: every variant of every rule's scenarios, `scenarioRepeats`
 * times, each time with other people. Planning happens before routine care is set up, so that
 * victims meant to be strangers are kept out of it and changed staff records (a leaver's end
 * date, a member of staff who is also a patient) are written as changed.
 */

/** Every misuse variant, audit gaps first (they decide which feeds stop, and others keep clear of them). */
export const VARIANTS: readonly Variant[] = [...AUDIT_GAPS, ...INAPPROPRIATE_ACCESS, ...UNEXPLAINED_AND_SECONDARY_USE, ...BREACH_PATTERNS];

/** A variant that could not be placed in this run, and why. */
export interface SkippedScenario {
  scenario: string;
  ruleIds: string[];
  reason: string;
}

/** The injected misuse of a run. */
export interface ScenarioPlan {
  labels: LabelDraft[];
  /** Every injected access, in time order. */
  drafts: AccessDraft[];
  /** Organisations whose feed stops, and from when. */
  silences: Map<string, number>;
  skipped: SkippedScenario[];
}

/** Plans every variant, `scenarioRepeats` times, before routine care is set up. */
export function planScenarios(world: World, care: Care): ScenarioPlan {
  const kit = new ScenarioKit(world, care, new Random(seedFor(world.seed, 'scenarios')));
  const plan: ScenarioPlan = { labels: [], drafts: [], silences: new Map(), skipped: [] };
  const others = VARIANTS.filter((variant) => !AUDIT_GAPS.includes(variant));
  const whyNot = new Map<Variant, string>();
  const placed = new Set<Variant>();
  for (const group of [AUDIT_GAPS, others]) {
    for (let repeat = 0; repeat < world.size.scenarioRepeats; repeat++) {
      for (const variant of group) {
        if ((variant.minDay ?? 0) >= kit.days) {
          whyNot.set(variant, `needs at least ${(variant.minDay ?? 0) + 1} days of simulation (--days)`);
          continue;
        }
        const planned = variant.plan(kit);
        if (!planned) {
          whyNot.set(variant, variant.scenario.startsWith('audit-gap/')
            ? 'needs at least two days of simulation and an organisation of its kind left to silence'
            : 'no one in this care system fits it (a larger size or a longer period helps)');
          continue;
        }
        placed.add(variant);
        const label = new LabelDraft({
          kind: 'misuse', scenario: variant.scenario, family: variant.family, ruleIds: variant.ruleIds, subtle: variant.subtle ?? false,
          description: variant.description, subject: planned.subject, needs: variant.needs ?? [],
        }, planned.silence ? { from: planned.silence.from, to: world.end } : undefined);
        plan.labels.push(label);
        if (planned.silence) {
          kit.silence(planned.silence.organisation, planned.silence.from);
          plan.silences.set(planned.silence.organisation, planned.silence.from);
        }
        for (const draft of planned.drafts) {
          if (draft.at >= world.start && draft.at < world.end) plan.drafts.push({ ...draft, label });
        }
      }
    }
  }
  for (const variant of VARIANTS) {
    const reason = whyNot.get(variant);
    if (!placed.has(variant) && reason) plan.skipped.push({ scenario: variant.scenario, ruleIds: variant.ruleIds, reason });
  }
  plan.drafts.sort((a, b) => a.at - b.at);
  return plan;
}
