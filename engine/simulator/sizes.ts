/**
 * How big a simulated integrated care system (ICS) is: organisations, people, how busy they are,
 * and how much misuse is injected. Three presets, from a smoke test that runs in seconds to an
 * ICS of a million patients.
 */

export const SIZE_NAMES = ['smoke', 'small', 'ics'] as const;
/** A preset's name. */
export type SizeName = (typeof SIZE_NAMES)[number];

/** The shape of one simulated ICS. */
export interface SimulationSize {
  name: SizeName;
  /** GP practices (each with its own ODS code, a main and a branch surgery). */
  practices: number;
  /** Acute hospital trusts (each with its own EPR posting FHIR AuditEvents). */
  trusts: number;
  /** Councils, each with adult, children's, safeguarding and out-of-hours social care teams. */
  councils: number;
  /** Community health services (district nursing, physiotherapy, health visiting). */
  communityServices: number;
  /** Community pharmacies. */
  pharmacies: number;
  patients: number;
  /** Staff across all organisations (approximate: teams are rounded). */
  staff: number;
  /** Multiplies every member of staff's rate of work (1 = the preset's calibrated rhythm). */
  activity: number;
  /** How many times each misuse variant is injected (each time with another perpetrator). */
  scenarioRepeats: number;
  /**
   * Share of short encounters (appointments, emergency attendances, prescriptions, test orders)
   * whose relationship never reaches the reference data: their accesses are legitimate, but
   * nothing explains them unless another relationship of the patient's does.
   */
  unrecordedShare: number;
}

/**
 * The presets. `smoke`: two practices, one trust, one council, a community service and a
 * pharmacy, about 2,000 patients, 200 staff and 20,000 accesses on a weekday. `small`: a town.
 * `ics`: a million patients, 50,000 staff and millions of accesses a day.
 */
export const SIZES: Record<SizeName, SimulationSize> = {
  smoke: {
    name: 'smoke', practices: 2, trusts: 1, councils: 1, communityServices: 1, pharmacies: 1,
    patients: 2_000, staff: 200, activity: 1, scenarioRepeats: 1, unrecordedShare: 0.01,
  },
  small: {
    name: 'small', practices: 8, trusts: 1, councils: 1, communityServices: 1, pharmacies: 4,
    patients: 40_000, staff: 2_500, activity: 1, scenarioRepeats: 2, unrecordedShare: 0.01,
  },
  ics: {
    name: 'ics', practices: 120, trusts: 3, councils: 2, communityServices: 2, pharmacies: 40,
    patients: 1_000_000, staff: 50_000, activity: 1, scenarioRepeats: 6, unrecordedShare: 0.01,
  },
};

/** What a simulation run is asked for. */
export interface SimulationOptions {
  seed: number;
  size: SizeName | SimulationSize;
  /** Days simulated from `start`. */
  days: number;
  /** The first instant simulated (epoch ms); whole minutes are kept as given. */
  start: number;
}

/** The size of a run: a preset by name, or a size given in full (tests scale a preset down). */
export function sizeOf(size: SizeName | SimulationSize): SimulationSize {
  if (typeof size !== 'string') return size;
  const preset = SIZES[size];
  if (!preset) throw new Error(`unknown size "${String(size)}": use ${SIZE_NAMES.join(', ')}`);
  return preset;
}
