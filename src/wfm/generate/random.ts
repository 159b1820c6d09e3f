// Seeded randomness. Every part of the data draws from its own stream, keyed by what it describes (an
// activity and a day, an agent and a day), so that a row does not depend on the order in which tables are
// written, and a day of one agent can be recomputed wherever it is needed instead of kept in memory.

/** What a stream describes: the first key after the seed, so that two parts never share a stream. */
export const Stream = {
  organization: 1,
  dayFactor: 2,
  performance: 3,
  staffing: 4,
  shift: 5,
  calendar: 6,
  adherence: 7,
  users: 8,
  carriedHours: 9,
  agent: 10,
} as const;

const mix32 = (h: number): number => {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
};

/** A 32-bit hash of whole numbers of any size (seeds may exceed 32 bits). */
export function hashKeys(keys: readonly number[], salt = 0): number {
  let h = mix32(0x9e3779b9 ^ salt);
  for (const key of keys) {
    h = mix32(h ^ (key >>> 0));
    h = mix32(h ^ Math.floor(key / 0x1_0000_0000));
  }
  return h;
}

/** sfc32: small, fast and good enough for synthetic data; 2^32 / 2^128 state, seeded from the keys. */
export class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(...keys: number[]) {
    this.a = hashKeys(keys, 1);
    this.b = hashKeys(keys, 2);
    this.c = hashKeys(keys, 3);
    this.d = 1;
    for (let i = 0; i < 12; i++) this.next();
  }

  /** Uniform in [0, 1). */
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return (t >>> 0) / 0x1_0000_0000;
  }

  /** A whole number in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  float(min: number, max: number): number {
    return min + this.next() * (max - min);
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new Error('cannot pick from an empty list');
    return item;
  }

  /** One of the items, each as likely as its weight. */
  weighted<T>(items: readonly (readonly [T, number])[]): T {
    const total = items.reduce((sum, [, weight]) => sum + weight, 0);
    let threshold = this.next() * total;
    for (const [item, weight] of items) {
      threshold -= weight;
      if (threshold < 0) return item;
    }
    const last = items.at(-1);
    if (!last) throw new Error('cannot pick from an empty list');
    return last[0];
  }

  /** Roughly standard normal (Irwin–Hall of four uniforms): cheap, bounded at ±3.5, plenty for noise. */
  normal(): number {
    return (this.next() + this.next() + this.next() + this.next() - 2) * 1.7320508075688772;
  }
}
