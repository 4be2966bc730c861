/**
 * What an experiment is, and what identifies one of its runs on disk.
 *
 * An experiment is a pure function of (resolved config, seed) to named tidy tables whose
 * columns it declares. A run's identity, hashed into its folder name
 * data/<experiment>/<hash>/, is
 *
 *   experiment name + version + resolved config + declared tables + tfjs backend
 *
 * - **version**: bump it when the code changes what a config produces. The git commit is
 *   not part of the key: most commits change nothing a unit computes, and keying on it
 *   would throw away every cached result at every commit, including a colleague's
 *   results that one wants to re-render. It is recorded in every unit instead, listed in
 *   results.json, and a run that mixes units of several commits says so.
 * - **tables**: a declaration that changes (a new table, a renamed column) is a new
 *   identity, so old files are never read under the new declaration.
 * - **backend**: cpu, wasm and tensorflow differ in the last digits (Fig. 4's divergences
 *   in the 7th, some of paper 001's tables in the 4th), so a result is tied to the backend
 *   that computed it: another backend gets its own folder, and the runner points to the
 *   results of other backends when it has none for this one. An experiment that does no
 *   tfjs math declares `backendIndependent: true` and shares one folder.
 */
import { sha256 } from './results';
import { checkTablesSchema, TablesOf, TablesSchema } from './tables';

/**
 * An experiment: a pure function of (config, seed) to declared tidy tables.
 * @typeParam C the resolved config
 * @typeParam In the overrides its resolver takes (the schema's input type)
 * @typeParam T its declared tables
 */
export interface Experiment<C extends object = object, In = unknown, T extends TablesSchema = TablesSchema> {
  /** Folder name under data/ and the name workers know it by (registry.ts). */
  name: string;
  /** Bump when the code changes what a config produces; part of the hash. */
  version: number;
  /** Every table a unit returns, with its columns and their types (tables.ts). */
  tables: T;
  /** True when the unit's numbers do not depend on the tfjs backend (it does no tfjs math). */
  backendIndependent?: boolean;
  /** Check overrides and fill in the defaults (throws ConfigError naming the field): the config's schema resolver. */
  resolve(overrides?: In): C;
  /** Run one seed. Must depend on nothing but (config, seed). */
  unit(config: C, seed: number): TablesOf<T> | Promise<TablesOf<T>>;
}

/** Any experiment, for code that handles them all (registry, runner, store). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyExperiment = Experiment<object, any, TablesSchema>;

/** Experiment names: they become folder names. */
export const EXPERIMENT_NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;

/** Throws naming the experiment unless its declaration is well formed. */
export function checkExperiment(exp: AnyExperiment): void {
  const where = `experiment ${JSON.stringify(exp?.name)}`;
  if (typeof exp !== 'object' || exp === null) throw new Error(`expected an experiment object, got ${String(exp)}`);
  if (typeof exp.name !== 'string' || !EXPERIMENT_NAME.test(exp.name)) {
    throw new Error(`${where}: the name must be lower-case letters, digits and -, starting with a letter or digit`);
  }
  if (!Number.isSafeInteger(exp.version) || exp.version < 0) throw new Error(`${where}: version must be an integer >= 0, got ${String(exp.version)}`);
  if (typeof exp.resolve !== 'function' || typeof exp.unit !== 'function') throw new Error(`${where}: needs resolve(overrides) and unit(config, seed) functions`);
  checkTablesSchema(exp.tables, where);
}

/** JSON with sorted keys, so equal configs hash equally whatever their key order. */
export function canonicalJson(v: unknown): string {
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return canonicalJson(Array.from(v as unknown as ArrayLike<number>));
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const keys = Object.keys(v as object).filter((k) => (v as Record<string, unknown>)[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/** What else, beyond name, version and config, identifies a run. */
export interface IdentityExtras {
  /** The tfjs backend, or null for a backend-independent experiment. */
  backend: string | null;
  tables: TablesSchema;
}

/** The 12-hex-digit key of (experiment, version, resolved config[, tables, backend]). */
export function configHash(name: string, version: number, config: unknown, extras?: IdentityExtras): string {
  const key = extras === undefined ? { experiment: name, version, config } : { experiment: name, version, config, tables: extras.tables, backend: extras.backend };
  return sha256(canonicalJson(key)).slice(0, 12);
}

/** Everything that identifies a run on disk. */
export interface RunIdentity extends IdentityExtras {
  experiment: string;
  version: number;
  config: unknown;
  hash: string;
}

/** The identity of running `exp` with a resolved `config` on `backend`. */
export function runIdentity(exp: AnyExperiment, config: unknown, backend: string): RunIdentity {
  const extras: IdentityExtras = { backend: exp.backendIndependent ? null : backend, tables: exp.tables };
  return { experiment: exp.name, version: exp.version, config, ...extras, hash: configHash(exp.name, exp.version, config, extras) };
}
