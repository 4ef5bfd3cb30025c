import type { World } from './care.js';
import { LabelDraft, type AccessDraft } from './labels.js';

/**
 * Legitimate care that some rule raises anyway, labelled so that scoring can tell the rules'
 * design from the engine's mistakes: AW-IA-003 on an access to the record of a colleague at the
 * same organisation and AW-IA-002 on one to a patient sharing the user's postcode, unless the
 * user's own or their team's care relationship explains it (care explained only by the
 * registration or by another team's relationship, as for a practice's registered list or a
 * records clerk opening an admitted colleague without a work item of their own, still goes for
 * review); AW-LR-001 on care whose relationship never reached the reference data
 * (`unrecordedShare`), unless another relationship explains it.
 * One label per organisation, user and patient (one such alert each; AW-LR-001 alerts per team and
 * patient, so the labels of several users of a team can fall in one of its alerts).
 *
 * The access drafts do not say which relationship explains them, so the colleague and neighbour
 * labels cover every such routine access, the ones now explained at the user's or team's level
 * too: a superset of what the rules raise. Scoring counts an alert as by design only when it was
 * raised and every access it holds is labelled for its rule, so the excess changes no figure.
 */

const REASONS = {
  colleague: { rule: 'AW-IA-003', name: 'colleague-in-care', words: 'a colleague at the same organisation, in its care (raised unless the user\'s or their team\'s care explains it)' },
  neighbour: { rule: 'AW-IA-002', name: 'neighbour-in-care', words: 'a patient sharing the user\'s postcode, in the organisation\'s care (raised unless the user\'s or their team\'s care explains it)' },
  unrecorded: { rule: 'AW-LR-001', name: 'unrecorded-care', words: 'care whose relationship never reached the reference data' },
} as const;
type Reason = keyof typeof REASONS;

/** Collects the `legitimate-alert` labels of a run as its routine accesses are emitted. */
export class LegitimateAlerts {
  /** Organisations each patient who is also staff works at. */
  private readonly staffAt = new Map<number, Set<string>>();
  private readonly found = new Map<string, { draft: LabelDraft; reasons: Set<Reason> }>();

  /** Call after scenarios are planned: they change who is also a patient. */
  constructor(private readonly world: World) {
    for (const member of world.workforce.members) {
      if (member.patient === undefined) continue;
      const organisations = this.staffAt.get(member.patient) ?? new Set<string>();
      organisations.add(member.organisation.code);
      this.staffAt.set(member.patient, organisations);
    }
  }

  /** Gives a routine access its legitimate-alert label when a rule will raise it by design. */
  note(draft: AccessDraft): void {
    if (!draft.routine) return;
    const { staff, patient } = draft.routine;
    const reasons: Reason[] = [];
    if (this.staffAt.get(patient)?.has(draft.organisation) && staff.patient !== patient) reasons.push('colleague');
    if (staff.patient !== undefined && this.world.population.postcodeUnit(staff.patient) === this.world.population.postcodeUnit(patient)) reasons.push('neighbour');
    if (draft.unrecorded) reasons.push('unrecorded');
    if (reasons.length === 0) return;
    const key = `${draft.organisation}|${staff.userId}|${patient}`;
    let entry = this.found.get(key);
    if (!entry) {
      entry = {
        draft: new LabelDraft({
          kind: 'legitimate-alert', scenario: '', ruleIds: [], subtle: false, description: '',
          subject: { organisation: draft.organisation, userId: staff.userId }, needs: [],
        }),
        reasons: new Set(),
      };
      this.found.set(key, entry);
    }
    for (const reason of reasons) entry.reasons.add(reason);
    draft.label = entry.draft;
  }

  /** The labels, their rules and words filled in from every reason met. */
  labels(): LabelDraft[] {
    return [...this.found.values()].map(({ draft, reasons }) => {
      const list = [...reasons].sort();
      Object.assign(draft.label, {
        scenario: list.map((r) => REASONS[r].name).join('+'),
        ruleIds: list.map((r) => REASONS[r].rule),
        description: `Legitimate: ${list.map((r) => REASONS[r].words).join('; ')}.`,
      });
      return draft;
    });
  }
}
