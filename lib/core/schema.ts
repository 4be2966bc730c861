/**
 * One declaration per config: a zod schema gives the type, the defaults, a doc per field
 * and the validation, like CleanRL's dataclass. A config is resolved once, at the entry
 * of an experiment (or of a notebook cell that calls an algorithm directly); functions
 * below the entry take the resolved type and never merge again.
 *
 *   export const vpgSchema = section({
 *     lr: num.positive().default(0.01).describe('Adam step size'),
 *     gamma: num.min(0).max(1).default(0.99).describe('discount γ'),
 *   });
 *   export type VpgConfig = Resolved<typeof vpgSchema>;
 *   export const vpgConfig = resolver('vpg config', vpgSchema);
 *   vpgConfig({ lr: -1 })  // ConfigError: vpg config: "lr" must be > 0, got -1
 *
 * Why zod (3.23, pinned): it is the best-kept TypeScript schema library, its 3.x types
 * compile with TypeScript 5.0.4 (the version tslab pins), and nested defaults, field
 * docs, strict unknown-key checks and issue paths are built in. What it lacks, this file
 * adds: error messages in the lab's form (config, dotted field path, what was expected,
 * what was given) and a table of every field with its default and doc.
 */
import { z } from 'zod';
import { ConfigError, showValue } from './config';

export { z };

/** A finite number (NaN and ±Infinity rejected). */
export const num = z.number().finite();
/** An integer. */
export const int = z.number().int();
/** Probability-like number in [0, 1]. */
export const unit = z.number().min(0).max(1);
/** A point of the plane [x, y]. */
export const vec2 = z.tuple([num, num]);

/** A config section: an object whose unknown keys are errors (a typo must not be silently ignored). */
export function section<T extends z.ZodRawShape>(shape: T) {
  return z.object(shape).strict();
}

/** Partial values for a section, nested sections partial too. */
export type DefaultsOf<T> = { [K in keyof T]?: T[K] extends readonly unknown[] ? T[K] : T[K] extends object ? DefaultsOf<T[K]> : T[K] };

/**
 * The same section with other defaults for some fields: `withDefaults(adamSchema, { lr: 0.01 })`.
 * Use it, never `adamSchema.default({ lr: 0.01 })`, to embed a section with its own
 * defaults: zod applies `.default(value)` only when the whole section is missing, so with
 * `{ adam: { beta1: 0.8 } }` the step size would silently fall back to adam's own 1e-3.
 * Here every field keeps its new default whatever else the caller overrides.
 */
export function withDefaults<S extends z.ZodTypeAny>(schema: S, defaults: DefaultsOf<z.input<S>>): S {
  if (schema instanceof z.ZodEffects) {
    return new z.ZodEffects({ ...schema._def, schema: withDefaults(schema._def.schema, defaults) }) as unknown as S;
  }
  if (!(schema instanceof z.ZodObject)) throw new TypeError('withDefaults: expected an object schema (a config section)');
  const extension: z.ZodRawShape = {};
  for (const [key, value] of Object.entries(defaults as Record<string, unknown>)) {
    const field = (schema.shape as z.ZodRawShape)[key];
    if (!field) throw new TypeError(`withDefaults: the section has no field "${key}"`);
    const inner = field instanceof z.ZodDefault ? field._def.innerType : field;
    const section = unwrap(inner);
    const isSection = section instanceof z.ZodObject && value !== null && typeof value === 'object' && !Array.isArray(value);
    const next = isSection ? withDefaults(inner, value as DefaultsOf<unknown>).default({}) : inner.default(value);
    extension[key] = field.description ? next.describe(field.description) : next;
  }
  return schema.extend(extension) as unknown as S;
}

/** The settings a caller passes: every field with a default may be left out, nested ones too. */
export type Overrides<S extends z.ZodTypeAny> = z.input<S>;
declare const RESOLVED: unique symbol;
/** The mark of a config that came out of a resolver (type-level only: no runtime field). */
export interface ResolvedMark {
  readonly [RESOLVED]: true;
}
/** `T` with the resolver's mark on it and on every nested section (arrays, tuples and typed arrays are left as they are). */
export type Marked<T> = T extends readonly unknown[] | ArrayBufferView | ((...args: never[]) => unknown) ? T
  : T extends object ? { [K in keyof T]: Marked<T[K]> } & ResolvedMark : T;
/**
 * The resolved config: every field present and checked. It carries a type-level mark that
 * only a resolver (or a section of a resolved config) has, so a library function typed
 * with it refuses a hand-written object such as `{ horizon: 0 }` at compile time
 * (TypeScript and tslab alike): raw settings must go through the resolver, which checks
 * them. A spread of a resolved config keeps the mark (`{ ...cfg.vpg, lr }`): use it only
 * with values that are valid by construction, or resolve again.
 */
export type Resolved<S extends z.ZodTypeAny> = Marked<z.output<S>>;

function describePath(path: readonly (string | number)[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${p}` : p;
  return out || '(root)';
}

function valueAt(input: unknown, path: readonly (string | number)[]): unknown {
  let v: unknown = input;
  for (const p of path) {
    if (v === null || typeof v !== 'object' || !Object.prototype.hasOwnProperty.call(v, p)) return undefined;
    v = (v as Record<string | number, unknown>)[p];
  }
  return v;
}

/** Unwrap defaults, optionals, brands and refinements down to the schema that holds the shape. */
function unwrap(s: z.ZodTypeAny): z.ZodTypeAny {
  for (;;) {
    if (s instanceof z.ZodDefault) s = s._def.innerType;
    else if (s instanceof z.ZodOptional || s instanceof z.ZodNullable) s = s.unwrap();
    else if (s instanceof z.ZodEffects) s = s.innerType();
    else if (s instanceof z.ZodBranded) s = s.unwrap();
    else if (s instanceof z.ZodLazy) s = s.schema;
    else return s;
  }
}

/** The object schema at `path` (for listing the known keys of a section). */
function sectionAt(schema: z.ZodTypeAny, path: readonly (string | number)[]): z.ZodObject<z.ZodRawShape> | null {
  let s = unwrap(schema);
  for (const p of path) {
    if (s instanceof z.ZodObject && typeof p === 'string') s = unwrap(s.shape[p]);
    else if (s instanceof z.ZodArray && typeof p === 'number') s = unwrap(s.element);
    else if (s instanceof z.ZodRecord) s = unwrap(s.valueSchema);
    else return null;
  }
  return s instanceof z.ZodObject ? s : null;
}

/** The leaf schema at `path`, unwrapped. */
function leafAt(schema: z.ZodTypeAny, path: readonly (string | number)[]): z.ZodTypeAny | null {
  let s = unwrap(schema);
  for (const p of path) {
    if (s instanceof z.ZodObject && typeof p === 'string' && p in s.shape) s = unwrap(s.shape[p]);
    else if (s instanceof z.ZodArray && typeof p === 'number') s = unwrap(s.element);
    else if (s instanceof z.ZodTuple && typeof p === 'number') s = unwrap(s.items[p]);
    else if (s instanceof z.ZodRecord) s = unwrap(s.valueSchema);
    else return null;
  }
  return s;
}

/** The range a number schema accepts, in words: "an integer > 0", "a number in [0, 1]". */
function numberRange(s: z.ZodNumber): string {
  let lo: { v: number; incl: boolean } | null = null, hi: { v: number; incl: boolean } | null = null, isInt = false;
  for (const c of s._def.checks) {
    if (c.kind === 'int') isInt = true;
    else if (c.kind === 'min') lo = { v: c.value, incl: c.inclusive };
    else if (c.kind === 'max') hi = { v: c.value, incl: c.inclusive };
  }
  const what = isInt ? 'an integer' : 'a finite number';
  if (lo && hi) return `${what} in ${lo.incl ? '[' : '('}${lo.v}, ${hi.v}${hi.incl ? ']' : ')'}`;
  if (lo) return `${what} ${lo.incl ? '>=' : '>'} ${lo.v}`;
  if (hi) return `${what} ${hi.incl ? '<=' : '<'} ${hi.v}`;
  return what;
}

/** What an issue says, in the lab's words ("must be an integer > 0"). */
function expectation(issue: z.ZodIssue, leaf: z.ZodTypeAny | null): string {
  if (leaf instanceof z.ZodNumber && ['too_small', 'too_big', 'not_finite', 'invalid_type'].includes(issue.code)) {
    return `must be ${numberRange(leaf)}`;
  }
  switch (issue.code) {
    case 'invalid_type':
      if (issue.expected === 'integer') return 'must be an integer';
      if (issue.received === 'nan') return 'must be a number (not NaN)';
      return `must be ${issue.expected === 'array' ? 'a list' : issue.expected === 'object' ? 'an object of settings' : `a ${issue.expected}`}`;
    case 'too_small':
      if (issue.type === 'array') return `must hold at least ${issue.minimum} item${issue.minimum === 1 ? '' : 's'}`;
      if (issue.type === 'string') return `must have at least ${issue.minimum} characters`;
      return `must be ${issue.inclusive ? '>=' : '>'} ${issue.minimum}`;
    case 'too_big':
      if (issue.type === 'array') return `must hold at most ${issue.maximum} item${issue.maximum === 1 ? '' : 's'}`;
      if (issue.type === 'string') return `must have at most ${issue.maximum} characters`;
      return `must be ${issue.inclusive ? '<=' : '<'} ${issue.maximum}`;
    case 'not_finite':
      return 'must be a finite number';
    case 'invalid_enum_value':
      return `must be one of ${issue.options.map((o) => JSON.stringify(o)).join(', ')}`;
    case 'invalid_literal':
      return `must be ${JSON.stringify(issue.expected)}`;
    case 'not_multiple_of':
      return `must be a multiple of ${issue.multipleOf}`;
    default:
      return issue.message;
  }
}

/**
 * Check `overrides` against `schema` and fill in the defaults. Throws a ConfigError naming
 * `where`, the dotted path of the first bad field, what was expected and what was given.
 */
export function resolveConfig<S extends z.ZodTypeAny>(where: string, schema: S, overrides?: z.input<S> | null): Resolved<S> {
  const input = overrides === undefined || overrides === null ? {} : overrides;
  const r = schema.safeParse(input);
  if (r.success) return r.data as Resolved<S>;
  const issue = r.error.issues[0];
  if (issue.code === 'unrecognized_keys') {
    const known = sectionAt(schema, issue.path);
    const list = known ? ` (known: ${Object.keys(known.shape).join(', ')})` : '';
    throw new ConfigError(where, describePath([...issue.path, issue.keys[0]]), `is not a known setting${list}`);
  }
  if (issue.code === 'custom') {
    throw new ConfigError(where, describePath(issue.path), issue.message);
  }
  throw new ConfigError(where, describePath(issue.path), `${expectation(issue, leafAt(schema, issue.path))}, got ${showValue(valueAt(input, issue.path))}`);
}

/** A resolver bound to one schema: `vpgConfig({ lr: 0.1 })`. */
export function resolver<S extends z.ZodTypeAny>(where: string, schema: S): (overrides?: z.input<S> | null, at?: string) => Resolved<S> {
  return (overrides, at) => resolveConfig(at ?? where, schema, overrides);
}

/** One field of a config, for docs and "paper vs ours" tables. */
export interface FieldDoc {
  /** Dotted path, e.g. "vpg.lr". */
  field: string;
  /** Default value as JSON, or "" when the field has none. */
  default: string;
  /** The field's doc (its `.describe(...)`). */
  doc: string;
}

/** Every leaf field of a schema with its default and doc, depth first in declaration order. */
export function fieldDocs(schema: z.ZodTypeAny, prefix = ''): FieldDoc[] {
  const obj = unwrap(schema);
  if (!(obj instanceof z.ZodObject)) return [];
  const out: FieldDoc[] = [];
  for (const [key, child] of Object.entries(obj.shape as z.ZodRawShape)) {
    const field = prefix ? `${prefix}.${key}` : key;
    const inner = unwrap(child);
    if (inner instanceof z.ZodObject) {
      out.push(...fieldDocs(inner, field));
      continue;
    }
    let def = '';
    let s: z.ZodTypeAny = child;
    while (s instanceof z.ZodOptional || s instanceof z.ZodBranded || s instanceof z.ZodEffects) s = s instanceof z.ZodEffects ? s.innerType() : s.unwrap();
    if (s instanceof z.ZodDefault) def = JSON.stringify(s._def.defaultValue());
    out.push({ field, default: def, doc: child.description ?? inner.description ?? '' });
  }
  return out;
}
