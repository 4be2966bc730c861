/**
 * Typed configs: defaults merged with overrides, then checked field by field. Every
 * failure throws a `ConfigError` whose message names the config, the field, what was
 * expected and what was given, e.g.
 *   particle config: "stepSize" must be a positive finite number, got -1
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

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v) &&
    Object.getPrototypeOf(v) === Object.prototype;
}

/** Recursively partial, for overrides of nested configs. */
export type DeepPartial<T> = {
  [K in keyof T]?: T[K] extends readonly unknown[] ? T[K] : T[K] extends object ? DeepPartial<T[K]> : T[K];
};

/**
 * Merge `overrides` over `defaults`. Nested plain objects merge recursively; arrays and
 * typed arrays replace. An override key that the defaults do not have is an error: a
 * typo in a config file must not be silently ignored.
 */
export function mergeConfig<C extends object>(where: string, defaults: C, overrides?: DeepPartial<C> | null, prefix = ''): C {
  if (overrides === undefined || overrides === null) return structuredCloneConfig(defaults);
  if (!isPlainObject(overrides)) {
    throw new ConfigError(where, prefix || '(root)', `must be an object of settings, got ${showValue(overrides)}`);
  }
  const out: Record<string, unknown> = structuredCloneConfig(defaults) as Record<string, unknown>;
  for (const [k, v] of Object.entries(overrides)) {
    const field = prefix ? `${prefix}.${k}` : k;
    if (!(k in out)) {
      const known = Object.keys(out).join(', ');
      throw new ConfigError(where, field, `is not a known setting (known: ${known})`);
    }
    if (v === undefined) continue;
    const d = out[k];
    out[k] = isPlainObject(d) && isPlainObject(v) ? mergeConfig(where, d, v as DeepPartial<typeof d>, field) : v;
  }
  return out as C;
}

function structuredCloneConfig<C>(c: C): C {
  if (Array.isArray(c)) return c.map((x) => structuredCloneConfig(x)) as unknown as C;
  if (isPlainObject(c)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(c)) out[k] = structuredCloneConfig(v);
    return out as C;
  }
  return c;
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
