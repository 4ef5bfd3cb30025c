import type { Care, World } from './care.js';
import { LabelDraft, type AccessDraft } from './labels.js';
import type { WorkKind } from './organisations.js';
import { Random, seedFor } from './random.js';
import { intensity, londonClock, minutesOnShift } from './shifts.js';
import { WORK, type TaskContext, type TaskSteps } from './workKinds.js';
import { Workforce, type StaffMember } from './workforce.js';

/**
 * Routine, legitimate work: every hour, each member of staff on shift does a number of tasks
 * (their team's rate at that time of day and week), each task one patient from their work list
 * (today's appointments, the ward's inpatients, their allocated cases, prescriptions waiting to
 * be dispensed) and a few accesses a minute or so apart. A sample of the routine patterns that
 * look odd (reception registering a new patient, locum cover, urgent care, pharmacy dispensing,
 * batch letter printing, planning use, the out-of-hours duty team) is labelled as controls.
 */

/** Tasks an hour at peak, by what the team does. */
const TASKS_PER_HOUR: Record<WorkKind, number> = {
  'gp-consult': 7, reception: 16, 'practice-admin': 10, ed: 6, ward: 8, outpatients: 6, diagnostics: 12, 'hospital-pharmacy': 10,
  records: 10, information: 5, casework: 6, safeguarding: 6, duty: 5, 'business-support': 9, caseload: 4, 'community-admin': 9, dispensing: 14,
};

/** Controls of each pattern labelled per day (a sample: the pattern itself is everywhere). */
const CONTROLS_PER_DAY = 3;

/** The routine accesses of each hour, and the controls sampled from them. */
export class RoutineWork {
  private readonly random: Random;
  private readonly controls = new Map<string, number>();
  /** The control labels sampled so far. */
  readonly labels: LabelDraft[] = [];

  constructor(private readonly world: World, private readonly care: Care, private readonly silenced: (organisation: string, at: number) => boolean) {
    this.random = new Random(seedFor(world.seed, 'routine'));
  }

  /** Drafts of every routine access in the hour starting at `at`, pushed onto `out` (times may spill past the hour). */
  hour(at: number, out: AccessDraft[]): void {
    const { weekday } = londonClock(at);
    const weekend = weekday === 0 || weekday === 6;
    const activity = this.world.size.activity;
    for (const staff of this.world.workforce.members) {
      if (!Workforce.inPost(staff, at) || this.silenced(staff.organisation.code, at)) continue;
      const minutes = minutesOnShift(staff.rota, at);
      if (!minutes) continue;
      const [from, to] = minutes;
      const middle = londonClock(at + ((from + to) / 2) * 60_000).minute;
      const expected = TASKS_PER_HOUR[staff.team.work] * intensity(middle, weekday, staff.rota.pattern) * activity * ((to - from) / 60);
      // Weekend sessions outside hospitals always see someone: their feeds never fall silent for a day.
      const tasks = this.random.poisson(expected);
      for (let n = weekend && staff.organisation.kind !== 'trust' ? Math.max(1, tasks) : tasks; n > 0; n--) {
        const start = at + (from + this.random.next() * (to - from)) * 60_000;
        WORK[staff.team.work](this.context(staff, Math.floor(start / 1000) * 1000, out));
      }
    }
  }

  private context(staff: StaffMember, at: number, out: AccessDraft[]): TaskContext {
    const { random, world } = this;
    return {
      world, care: this.care, random, staff, at,
      // Nobody opens their own record in the course of their work (that is misuse, injected on purpose).
      task: (patient, episode, label) => (patient === staff.patient ? NOTHING
        : steps(random, staff, at, patient, world.population.nhsNumber(patient), out, episode?.recorded === false, label)),
      control: (pattern, description) => {
        const key = `${pattern}|${londonClock(at).day}`;
        const count = this.controls.get(key) ?? 0;
        if (count >= CONTROLS_PER_DAY) return undefined;
        this.controls.set(key, count + 1);
        const label = new LabelDraft({
          kind: 'control', scenario: pattern, ruleIds: [], subtle: false, description,
          subject: { organisation: staff.organisation.code, userId: staff.userId }, needs: [],
        });
        this.labels.push(label);
        return label;
      },
    };
  }
}

/** A task that does nothing (the patient turned out to be the member of staff themself). */
const NOTHING: TaskSteps = { step: () => NOTHING };

/** The accesses of one task by `staff` about one patient, from `at`, each 15 seconds to 2 minutes after the last. */
export function steps(
  random: Random, staff: StaffMember, at: number, patient: number, nhsNumber: string, out: AccessDraft[], unrecorded = false, label?: LabelDraft,
): TaskSteps {
  let t = at;
  const workstation = random.pick(staff.workstations);
  const self: TaskSteps = {
    step(action, recordPart, p = 1, purpose = 'direct-care') {
      if (p < 1 && !random.chance(p)) return self;
      out.push({
        at: t, system: staff.organisation.system, organisation: staff.organisation.code,
        user: { id: staff.userId, role: staff.role, team: staff.team.code }, nhsNumber, action,
        ...(recordPart ? { recordPart } : {}), purpose, outcome: 'success', workstation, site: staff.site,
        ...(staff.organisation.kind === 'community' ? { ip: ipOf(staff) } : {}),
        ...(unrecorded ? { unrecorded } : {}), ...(label ? { label } : {}), routine: { staff, patient },
      });
      t += (15 + random.int(105)) * 1000;
      return self;
    },
  };
  return self;
}

/** A tablet's address on the community service's network, fixed per member of staff. */
export function ipOf(staff: StaffMember): string {
  return `10.${40 + staff.organisation.index}.${(staff.index >> 8) & 255}.${staff.index & 255}`;
}
