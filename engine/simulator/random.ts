/**
 * Seeded randomness for the simulator: the same seed always gives the same care system, the same
 * accesses and the same misuse. Two tools: a stream (`Random`, a small PRNG with the draws the
 * simulator needs) and a stateless hash (`unitHash`) for attributes derived from an index, so that
 * a patient's date of birth does not depend on how many draws came before it.
 */

/** 32-bit mix of any number of integers (a murmur3-style finaliser over each). */
export function mix(...values: number[]): number {
  let h = 0x9e3779b9;
  for (const value of values) {
    let k = Math.imul(value | 0, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
    // Numbers beyond 32 bits (times in ms) contribute their high part too.
    if (value > 0xffffffff || value < -0x80000000) h ^= Math.floor(value / 0x100000000) | 0;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A number in [0, 1) determined by its inputs alone. */
export function unitHash(...values: number[]): number {
  return mix(...values) / 0x100000000;
}

/** A seed for one concern of a simulation (`seedFor(seed, 'population')`), so concerns draw independently. */
export function seedFor(seed: number, concern: string, ...more: number[]): number {
  let h = 0;
  for (let i = 0; i < concern.length; i++) h = Math.imul(h ^ concern.charCodeAt(i), 0x01000193) >>> 0;
  return mix(seed, h, ...more);
}

/**
 * A seeded stream of random numbers (sfc32, seeded through `mix`): fast, 128 bits of state,
 * good enough for simulation (not for anything secret).
 */
export class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    this.a = mix(seed, 1);
    this.b = mix(seed, 2);
    this.c = mix(seed, 3);
    this.d = 1;
    for (let i = 0; i < 12; i++) this.next();
  }

  /** A number in [0, 1). */
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return (t >>> 0) / 0x100000000;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('cannot pick from an empty list');
    return items[this.int(items.length)];
  }

  /** An item chosen with probability proportional to its weight. */
  weighted<T>(items: readonly (readonly [T, number])[]): T {
    let total = 0;
    for (const [, weight] of items) total += weight;
    let r = this.next() * total;
    for (const [item, weight] of items) {
      r -= weight;
      if (r < 0) return item;
    }
    return items[items.length - 1][0];
  }

  /** A Poisson-distributed count with mean `mean` (Knuth's method; a normal approximation above 30). */
  poisson(mean: number): number {
    if (mean <= 0) return 0;
    if (mean > 30) return Math.max(0, Math.round(mean + Math.sqrt(mean) * this.normal()));
    const limit = Math.exp(-mean);
    let count = 0;
    let product = this.next();
    while (product > limit) {
      count++;
      product *= this.next();
    }
    return count;
  }

  /** A standard normal draw (Box–Muller). */
  normal(): number {
    const u = 1 - this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  /** `k` distinct items (fewer when there are fewer), in the order drawn. */
  sample<T>(items: readonly T[], k: number): T[] {
    const copy = items.slice();
    const out: T[] = [];
    for (let i = 0; i < k && copy.length > 0; i++) {
      const at = this.int(copy.length);
      out.push(copy[at]);
      copy[at] = copy[copy.length - 1];
      copy.pop();
    }
    return out;
  }
}
