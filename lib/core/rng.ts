/**
 * Seeded, splittable pseudo-random numbers. Every random draw in `lib/` goes through an
 * `Rng` passed in by the caller, so a run is a pure function of its config and seed.
 *
 * Generator: sfc32 (Chris Doty-Humphrey's "small fast counter", 128-bit state, passes
 * PractRand), seeded through splitmix32 so that nearby integer seeds give unrelated
 * streams. `split()` draws a child seed from the parent, which gives independent
 * sub-streams (policy init, env noise, action sampling) in a fixed, documented order.
 */

/** splitmix32 step: a well-mixed 32-bit hash of a 32-bit counter. */
function splitmix32(x: number): number {
  x = (x + 0x9e3779b9) | 0;
  let z = x;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spareNormal: number | null = null;

  /**
   * @param seed any finite number; integers are used as is, other values are hashed
   *   through their float64 bits so that 0.1 and 0.2 differ.
   */
  constructor(seed: number) {
    if (typeof seed !== 'number' || !Number.isFinite(seed)) {
      throw new TypeError(`Rng: seed must be a finite number, got ${String(seed)}`);
    }
    const bits = new Float64Array([seed]);
    const words = new Uint32Array(bits.buffer);
    let s = Number.isInteger(seed) && Math.abs(seed) < 2 ** 31 ? seed | 0 : (words[0] ^ Math.imul(words[1], 0x27d4eb2d)) | 0;
    this.a = splitmix32(s);
    s = (s + 0x9e3779b9) | 0;
    this.b = splitmix32(s);
    s = (s + 0x9e3779b9) | 0;
    this.c = splitmix32(s);
    this.d = 1; // sfc32's counter; starts at 1 by convention
    // Warm up so that the first outputs are fully mixed.
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /** Next 32-bit unsigned integer. */
  nextUint32(): number {
    const a = this.a, b = this.b, c = this.c, d = this.d;
    const t = (((a + b) | 0) + d) | 0;
    this.d = (d + 1) | 0;
    this.a = b ^ (b >>> 9);
    this.b = (c + (c << 3)) | 0;
    this.c = ((c << 21) | (c >>> 11)) + t | 0;
    return t >>> 0;
  }

  /** Uniform double in [0, 1) with 53 random bits. */
  random(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform double in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.random();
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`Rng.int: n must be a positive integer, got ${n}`);
    return Math.floor(this.random() * n);
  }

  /** Standard normal draw (Marsaglia polar method). */
  normal(): number {
    if (this.spareNormal !== null) {
      const z = this.spareNormal;
      this.spareNormal = null;
      return z;
    }
    let u = 0, v = 0, s = 0;
    do {
      u = 2 * this.random() - 1;
      v = 2 * this.random() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt((-2 * Math.log(s)) / s);
    this.spareNormal = v * f;
    return u * f;
  }

  /** An independent child generator; advances this generator by one draw. */
  split(): Rng {
    return new Rng(this.nextUint32() | 0);
  }

  /** Fisher-Yates shuffle of a copy of `xs`. */
  shuffle<T>(xs: readonly T[]): T[] {
    const out = xs.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = out[i];
      out[i] = out[j];
      out[j] = tmp;
    }
    return out;
  }

  /** One element of `xs`, uniformly. */
  choice<T>(xs: readonly T[]): T {
    if (xs.length === 0) throw new RangeError('Rng.choice: empty array');
    return xs[this.int(xs.length)];
  }

  /** Index drawn from unnormalised non-negative weights `w`. */
  categorical(w: ArrayLike<number>): number {
    let total = 0;
    for (let i = 0; i < w.length; i++) total += w[i];
    if (!(total > 0)) throw new RangeError('Rng.categorical: weights must have a positive sum');
    let u = this.random() * total;
    for (let i = 0; i < w.length; i++) {
      u -= w[i];
      if (u < 0) return i;
    }
    return w.length - 1;
  }
}

/** Convenience: a generator for `seed`. */
export function rng(seed: number): Rng {
  return new Rng(seed);
}
