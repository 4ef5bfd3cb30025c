import type { Address, OptOut, Patient, PatientFlag } from '../reference/referenceData.js';
import { STREETS } from './organisations.js';
import { Random, seedFor, unitHash } from './random.js';

/**
 * The patients of a simulated ICS, held in typed arrays (a million patients take a few tens of
 * megabytes) and turned into reference records on demand. Patients live in households that share
 * a surname and an address; six households share a postcode; households are registered, mostly
 * together, with the practice of their area. NHS numbers pass the modulus-11 check and are
 * scattered (never consecutive), starting with 9 like the NHS's test numbers.
 */

const DAY_MS = 86_400_000;
const YEAR_MS = 365.25 * DAY_MS;
/** Households sharing one postcode (neighbours). */
export const HOUSEHOLDS_PER_POSTCODE = 6;

const enum Flag { Vip = 1, Restricted = 2, Safeguarding = 4, Staff = 8, Deceased = 16, NationalOptOut = 32, Type1OptOut = 64 }

/** Household sizes and their shares (ONS: about 30% of households are one person). */
const HOUSEHOLD_SIZES: [number, number][] = [[1, 30], [2, 35], [3, 15], [4, 13], [5, 7]];
const SURNAMES = [
  'Smith', 'Jones', 'Taylor', 'Brown', 'Williams', 'Wilson', 'Johnson', 'Davies', 'Patel', 'Robinson', 'Wright', 'Thompson',
  'Evans', 'Walker', 'White', 'Roberts', 'Green', 'Hall', 'Wood', 'Jackson', 'Clarke', 'Khan', 'Hussain', 'Lewis', 'Harris',
  'Martin', 'Cooper', 'King', 'Lee', 'Baker', 'Harrison', 'Morgan', 'Allen', 'James', 'Scott', 'Phillips', 'Watson', 'Davis',
  'Parker', 'Price', 'Bennett', 'Young', 'Griffiths', 'Mitchell', 'Kelly', 'Cook', 'Carter', 'Richardson', 'Bailey', 'Collins',
  'Bell', 'Shaw', 'Murphy', 'Miller', 'Cox', 'Richards', 'Khalid', 'Marshall', 'Anderson', 'Simpson', 'Ellis', 'Adams', 'Singh',
  'Begum', 'Wilkinson', 'Foster', 'Chapman', 'Powell', 'Webb', 'Rogers', 'Gray', 'Mason', 'Ali', 'Hunt', 'Hughes', 'Palmer',
  'Holmes', 'Mills', 'Barnes', 'Knight', 'Lloyd', 'Butler', 'Russell', 'Barker', 'Fisher', 'Stevens', 'Jenkins', 'Murray',
  'Dixon', 'Harvey', 'Graham', 'Pearson', 'Ahmed', 'Fletcher', 'Walsh', 'Kaur', 'Gibson', 'Howard', 'Andrews', 'Stewart',
  'Okafor', 'Nowak', 'Kowalski', 'Mensah', 'Osei', 'Chen', 'Wang', 'Nguyen', 'Costa', 'Silva', "O'Brien", 'McDonald',
];
/** First names of staff. */
export const FIRST_NAMES = [
  'Amelia', 'Oliver', 'Isla', 'George', 'Ava', 'Noah', 'Mia', 'Arthur', 'Ivy', 'Muhammad', 'Grace', 'Leo', 'Freya', 'Harry',
  'Lily', 'Jack', 'Sophie', 'Thomas', 'Priya', 'Daniel', 'Hannah', 'Samuel', 'Chloe', 'Joseph', 'Aisha', 'David', 'Ruth', 'Kwame',
];
const POSTCODE_LETTERS = 'ABDEFGHJLNPQRSTUWXYZ';

/** The ten-digit NHS number whose nine-digit base is `base`, or undefined when no check digit works (remainder 10). */
export function nhsNumberOf(base: number): string | undefined {
  const digits = String(base).padStart(9, '0');
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += (digits.charCodeAt(i) - 48) * (10 - i);
  const check = (11 - (sum % 11)) % 11;
  return check === 10 ? undefined : `${digits}${check}`;
}

/** Blocks of eleven consecutive bases in 900000000–999999999; a patient gets the first valid number of its block. */
const BLOCKS = 9_090_909;
const BLOCK_STRIDE = 5_555_557; // coprime with BLOCKS: index → block is a bijection, scattering neighbours

/** How many patients, and how many practices they are registered with. */
export interface PopulationShape {
  patients: number;
  practices: number;
}

/** The patients of the ICS, by index (0 to size - 1). */
export class Population {
  readonly size: number;
  readonly householdOf: Uint32Array;
  /** First patient of each household, and one past the last at the end. */
  readonly householdStart: Uint32Array;
  readonly households: number;
  readonly practiceOf: Uint16Array;
  /** Patients registered with each practice. */
  readonly registered: Uint32Array[];
  private readonly birth: Float64Array;
  private readonly death: Float64Array;
  private readonly flags: Uint8Array;
  private readonly blockOffset: number;
  /** Patients kept out of routine care: the victims of injected misuse (so nothing explains the access by chance). */
  readonly reserved: Uint8Array;

  constructor(shape: PopulationShape, private readonly seed: number, at: number) {
    const random = new Random(seedFor(seed, 'population'));
    const n = shape.patients;
    this.size = n;
    this.householdOf = new Uint32Array(n);
    this.practiceOf = new Uint16Array(n);
    this.birth = new Float64Array(n);
    this.death = new Float64Array(n);
    this.flags = new Uint8Array(n);
    this.reserved = new Uint8Array(n);
    this.blockOffset = random.int(BLOCKS);
    const starts: number[] = [];
    for (let i = 0, h = 0; i < n; h++) {
      starts.push(i);
      const size = Math.min(n - i, random.weighted(HOUSEHOLD_SIZES));
      const practice = Math.min(shape.practices - 1, Math.floor((i * shape.practices) / n));
      const headAge = 18 + random.int(75);
      for (let m = 0; m < size; m++, i++) {
        this.householdOf[i] = h;
        this.practiceOf[i] = random.chance(0.06) ? random.int(shape.practices) : practice;
        const age = m === 0 ? headAge : m === 1 ? Math.max(18, headAge - 6 + random.int(12)) : headAge > 60 ? 18 + random.int(40) : random.int(18);
        this.birth[i] = at - age * YEAR_MS - random.int(365) * DAY_MS;
        this.setFlags(i, age, random, at);
      }
    }
    starts.push(n);
    this.householdStart = Uint32Array.from(starts);
    this.households = starts.length - 1;
    const lists: number[][] = Array.from({ length: shape.practices }, () => []);
    for (let i = 0; i < n; i++) lists[this.practiceOf[i]].push(i);
    this.registered = lists.map((list) => Uint32Array.from(list));
    // A few VIP and restricted records even in the smallest ICS.
    for (const [flag, count] of [[Flag.Vip, Math.max(4, Math.round(n / 2000))], [Flag.Restricted, Math.max(4, Math.round(n / 1000))]] as const) {
      for (let k = 0; k < count; k++) {
        const i = random.int(n);
        if (!(this.flags[i] & Flag.Deceased)) this.flags[i] |= flag;
      }
    }
  }

  private setFlags(i: number, age: number, random: Random, at: number): void {
    let flags = 0;
    if (random.chance(age > 75 ? 0.05 : 0.004)) {
      flags |= Flag.Deceased;
      this.death[i] = at - (60 + random.int(900)) * DAY_MS;
    }
    if (random.chance(age < 18 ? 0.04 : 0.012)) flags |= Flag.Safeguarding;
    if (random.chance(0.05)) flags |= Flag.NationalOptOut;
    if (random.chance(0.025)) flags |= Flag.Type1OptOut;
    this.flags[i] = flags;
  }

  nhsNumber(i: number): string {
    const block = (((i * BLOCK_STRIDE) % BLOCKS) + this.blockOffset) % BLOCKS;
    for (let k = 0; k < 11; k++) {
      const number = nhsNumberOf(900_000_000 + block * 11 + k);
      if (number !== undefined) return number;
    }
    throw new Error(`no valid NHS number in block ${block}`); // never: every block of eleven bases has one
  }

  surname(i: number): string {
    return SURNAMES[Math.floor(unitHash(this.seed, 11, this.householdOf[i]) * SURNAMES.length)];
  }

  /** The household's postcode unit (six households each). */
  postcodeUnit(i: number): number {
    return Math.floor(this.householdOf[i] / HOUSEHOLDS_PER_POSTCODE);
  }

  address(i: number): Address {
    const household = this.householdOf[i];
    const unit = Math.floor(household / HOUSEHOLDS_PER_POSTCODE);
    const street = STREETS[Math.floor(unitHash(this.seed, 12, unit) * STREETS.length)];
    const number = 1 + 2 * (household % HOUSEHOLDS_PER_POSTCODE) + 12 * Math.floor(unitHash(this.seed, 13, unit) * 20);
    return { line1: `${number} ${street}`, postcode: postcodeOf(unit) };
  }

  /** Every patient of the household (the patient included). */
  household(i: number): number[] {
    const h = this.householdOf[i];
    return range(this.householdStart[h], this.householdStart[h + 1]);
  }

  /** Patients of the other households of the same postcode. */
  neighbours(i: number): number[] {
    const unit = this.postcodeUnit(i);
    const first = this.householdStart[Math.min(this.households, unit * HOUSEHOLDS_PER_POSTCODE)];
    const last = this.householdStart[Math.min(this.households, (unit + 1) * HOUSEHOLDS_PER_POSTCODE)];
    const own = this.householdOf[i];
    return range(first, last).filter((j) => this.householdOf[j] !== own);
  }

  ageAt(i: number, at: number): number {
    return Math.floor((at - this.birth[i]) / YEAR_MS);
  }

  isDeceased(i: number): boolean {
    return (this.flags[i] & Flag.Deceased) !== 0;
  }

  dateOfDeath(i: number): number | undefined {
    return this.isDeceased(i) ? this.death[i] : undefined;
  }

  is(i: number, flag: 'vip' | 'restricted' | 'safeguarding' | 'staff' | 'opted-out'): boolean {
    const bits = { vip: Flag.Vip, restricted: Flag.Restricted, safeguarding: Flag.Safeguarding, staff: Flag.Staff, 'opted-out': Flag.NationalOptOut | Flag.Type1OptOut }[flag];
    return (this.flags[i] & bits) !== 0;
  }

  /** Marks a patient as a member of staff too (their staff record carries the NHS number). */
  markStaff(i: number): void {
    this.flags[i] |= Flag.Staff;
  }

  /** Can have routine care: alive and not kept aside as a victim of injected misuse. */
  inCare(i: number): boolean {
    return !(this.flags[i] & Flag.Deceased) && this.reserved[i] === 0;
  }

  /** The reference record of patient `i`, with practice ODS codes from `practiceCodes`. */
  record(i: number, practiceCodes: readonly string[]): Patient {
    const f = this.flags[i];
    const flags: PatientFlag[] = [];
    if (f & Flag.Vip) flags.push('vip');
    if (f & Flag.Restricted) flags.push('restricted');
    if (f & Flag.Safeguarding) flags.push('safeguarding');
    if (f & Flag.Staff) flags.push('staff');
    const optOuts: OptOut[] = [];
    if (f & Flag.Type1OptOut) optOuts.push('type-1');
    if (f & Flag.NationalOptOut) optOuts.push('national');
    return {
      nhsNumber: this.nhsNumber(i),
      surname: this.surname(i),
      dateOfBirth: dateOf(this.birth[i]),
      address: this.address(i),
      ...(f & Flag.Deceased ? { dateOfDeath: dateOf(this.death[i]) } : {}),
      flags,
      optOuts,
      registeredPractice: practiceCodes[this.practiceOf[i]],
    };
  }
}

/** A postcode in the made-up area AW: district, sector and unit from the unit's number. */
export function postcodeOf(unit: number): string {
  const district = 1 + Math.floor(unit / 400);
  const within = unit % 400;
  const area = district <= 99 ? 'AW' : 'AV';
  const pair = within % 40;
  return `${area}${((district - 1) % 99) + 1} ${Math.floor(within / 40)}${POSTCODE_LETTERS[Math.floor(pair / 20)]}${POSTCODE_LETTERS[pair % 20]}`;
}

/** `YYYY-MM-DD` of an instant (UTC). */
export function dateOf(at: number): string {
  return new Date(at).toISOString().slice(0, 10);
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, k) => from + k);
}
