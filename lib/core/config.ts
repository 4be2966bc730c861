/**
 * Errors that name the config and the field, and argument checks for functions that take
 * plain numbers. Configs themselves are zod schemas (schema.ts); every failure throws a
 * `ConfigError` whose message names the config, the field, what was expected and what was
 * given, e.g.
 *   particle config: "stepSize" must be a finite number > 0, got -1
 */

export class ConfigError extends Error {
  constructor(
    /** Which config (or file) was being read, e.g. "particle config". */
    readonly where: string,
    /** The offending field, dotted for nested fields ("vpg.lr"). */
    readonly field: string,
    message: string,
  ) {
    super(`${where}: "${field}" ${message}`);
    this.name = 'ConfigError';
  }
}

/** A value as it appears in an error message: strings quoted, long values cut. */
export function showValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean' || v === null || v === undefined) return String(v);
  try {
    const s = JSON.stringify(v);
    return s.length > 80 ? s.slice(0, 77) + '...' : s;
  } catch {
    return Object.prototype.toString.call(v);
  }
}

/** Field checks. Each throws a ConfigError naming `where` and `field`. */
export const check = {
  positive(where: string, field: string, v: unknown): number {
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
      throw new ConfigError(where, field, `must be a finite number > 0, got ${showValue(v)}`);
    }
    return v;
  },
  nonNegative(where: string, field: string, v: unknown): number {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      throw new ConfigError(where, field, `must be a finite number >= 0, got ${showValue(v)}`);
    }
    return v;
  },
  finite(where: string, field: string, v: unknown): number {
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new ConfigError(where, field, `must be a finite number, got ${showValue(v)}`);
    }
    return v;
  },
  positiveInt(where: string, field: string, v: unknown): number {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
      throw new ConfigError(where, field, `must be an integer > 0, got ${showValue(v)}`);
    }
    return v;
  },
  nonNegativeInt(where: string, field: string, v: unknown): number {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
      throw new ConfigError(where, field, `must be an integer >= 0, got ${showValue(v)}`);
    }
    return v;
  },
  /** lo <= v <= hi (or lo < v < hi with `open`). */
  inRange(where: string, field: string, v: unknown, lo: number, hi: number, open = false): number {
    const ok = typeof v === 'number' && Number.isFinite(v) && (open ? v > lo && v < hi : v >= lo && v <= hi);
    if (!ok) {
      const range = open ? `(${lo}, ${hi})` : `[${lo}, ${hi}]`;
      throw new ConfigError(where, field, `must be a finite number in ${range}, got ${showValue(v)}`);
    }
    return v as number;
  },
  intInRange(where: string, field: string, v: unknown, lo: number, hi: number): number {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) {
      throw new ConfigError(where, field, `must be an integer in [${lo}, ${hi}], got ${showValue(v)}`);
    }
    return v;
  },
  oneOf<T extends string>(where: string, field: string, v: unknown, options: readonly T[]): T {
    if (typeof v !== 'string' || !(options as readonly string[]).includes(v)) {
      throw new ConfigError(where, field, `must be one of ${options.map((o) => JSON.stringify(o)).join(', ')}, got ${showValue(v)}`);
    }
    return v as T;
  },
  bool(where: string, field: string, v: unknown): boolean {
    if (typeof v !== 'boolean') throw new ConfigError(where, field, `must be true or false, got ${showValue(v)}`);
    return v;
  },
  vec2(where: string, field: string, v: unknown): [number, number] {
    if (!Array.isArray(v) || v.length !== 2 || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
      throw new ConfigError(where, field, `must be a pair of finite numbers [x, y], got ${showValue(v)}`);
    }
    return v as [number, number];
  },
  nonEmptyIntList(where: string, field: string, v: unknown, lo: number, hi: number): number[] {
    if (!Array.isArray(v) || v.length === 0 || !v.every((x) => Number.isInteger(x) && x >= lo && x <= hi)) {
      throw new ConfigError(where, field, `must be a non-empty list of integers in [${lo}, ${hi}], got ${showValue(v)}`);
    }
    return v as number[];
  },
};
