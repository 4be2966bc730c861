/**
 * Sweeps: one experiment over many settings x seeds.
 *
 *   const points = lab.experiments.sweep.grid({ 'vpg.lr': [0.003, 0.01, 0.03], K: [5, 10] });
 *   const s = await lab.experiments.sweep.runSweep(fig3Training, { updates: 40 }, points, { seeds: 3 });
 *   s.rows   // one tidy table: vpg.lr, K, seed, then the unit's columns
 *
 * A point sets config paths ("vpg.lr") over the base overrides. Each (point, seed) is a
 * unit of the runner, cached by its config hash exactly like a single run: a point that
 * was run before, in a sweep or alone, loads from data/ at once. All points share one
 * executor (worker threads, or the Redis queue with LAB_QUEUE), so a sweep keeps every
 * thread or worker machine busy, and one progress line counts all its units.
 *
 * Random search draws its points from an Rng, so the same seed gives the same points
 * (and the same cache entries) on every run.
 */
import { ConfigError, showValue } from '../core/config';
import { Rng } from '../core/rng';
import { meanBy } from '../core/stats';
import { backendInfo, initBackend } from '../core/tf';
import { Row } from './results';
import { configHash, Experiment, RunOptions, RunResult, runExperiment, Tables } from './runner';
import { Executor, OnResult, UnitJob } from './executors/executor';
import { localWorkers, openExecutor } from './executors/open';

/** A swept value. */
export type Value = number | string | boolean;
/** One setting of a sweep: config path -> value, e.g. { 'vpg.lr': 0.01 }. */
export type Point = Record<string, Value>;

/** Every combination of the values of each path, the first path varying slowest. */
export function grid(space: Record<string, readonly Value[]>): Point[] {
  const paths = Object.keys(space);
  if (paths.length === 0) throw new ConfigError('sweep grid', '(root)', 'must name at least one config path');
  for (const p of paths) {
    if (!Array.isArray(space[p]) || space[p].length === 0) throw new ConfigError('sweep grid', p, `must list at least one value, got ${showValue(space[p])}`);
  }
  let points: Point[] = [{}];
  for (const p of paths) points = points.flatMap((pt) => space[p].map((v) => ({ ...pt, [p]: v })));
  return points;
}

/** How random search draws one path's value. */
export type Distribution =
  | { uniform: [number, number] }
  | { logUniform: [number, number] }
  | { int: [number, number] }
  | { choice: readonly Value[] };

/** `x` rounded to 3 significant digits, so drawn settings read well and hash stably. */
export function roundSignificant(x: number, digits = 3): number {
  return x === 0 ? 0 : Number(x.toPrecision(digits));
}

function draw(path: string, d: Distribution, rng: Rng): Value {
  const range = (lo: number, hi: number, positive: boolean) => {
    if (!(Number.isFinite(lo) && Number.isFinite(hi) && lo <= hi) || (positive && lo <= 0)) {
      throw new ConfigError('random search', path, `needs a range [lo, hi] with lo <= hi${positive ? ' and lo > 0' : ''}, got [${lo}, ${hi}]`);
    }
  };
  if ('uniform' in d) {
    const [lo, hi] = d.uniform;
    range(lo, hi, false);
    return roundSignificant(rng.uniform(lo, hi));
  }
  if ('logUniform' in d) {
    const [lo, hi] = d.logUniform;
    range(lo, hi, true);
    return roundSignificant(Math.exp(Math.log(lo) + (Math.log(hi) - Math.log(lo)) * rng.random()));
  }
  if ('int' in d) {
    const [lo, hi] = d.int;
    range(lo, hi, false);
    if (!Number.isInteger(lo) || !Number.isInteger(hi)) throw new ConfigError('random search', path, `int needs integer bounds, got [${lo}, ${hi}]`);
    return lo + rng.int(hi - lo + 1);
  }
  if ('choice' in d && Array.isArray(d.choice) && d.choice.length > 0) return d.choice[rng.int(d.choice.length)];
  throw new ConfigError('random search', path, `must be { uniform: [lo, hi] }, { logUniform: [lo, hi] }, { int: [lo, hi] } or { choice: [...] }, got ${showValue(d)}`);
}

/** `samples` points drawn independently from `space` (paths in the order given). */
export function randomSearch(space: Record<string, Distribution>, samples: number, rng: Rng): Point[] {
  if (!Number.isInteger(samples) || samples < 1) throw new ConfigError('random search', 'samples', `must be an integer >= 1, got ${samples}`);
  const paths = Object.keys(space);
  if (paths.length === 0) throw new ConfigError('random search', '(root)', 'must name at least one config path');
  return Array.from({ length: samples }, () => Object.fromEntries(paths.map((p) => [p, draw(p, space[p], rng)])));
}

/** The value at a dotted config path, or undefined. */
export function getPath(obj: unknown, path: string): unknown {
  let v = obj;
  for (const k of path.split('.')) {
    if (v === null || typeof v !== 'object' || Array.isArray(v) || !Object.prototype.hasOwnProperty.call(v, k)) return undefined;
    v = (v as Record<string, unknown>)[k];
  }
  return v;
}

/** A copy of `base` with `path` set to `value` (missing sections are created). */
export function setPath<T extends object>(base: T | undefined, path: string, value: Value): T {
  const out = structuredClone(base ?? {}) as Record<string, unknown>;
  const keys = path.split('.');
  let o = out;
  for (const k of keys.slice(0, -1)) {
    if (o[k] === undefined || o[k] === null || typeof o[k] !== 'object') o[k] = {};
    o = o[k] as Record<string, unknown>;
  }
  o[keys[keys.length - 1]] = value;
  return out as T;
}

/** One tuning score per (setting, seed): the mean `return` of the rows (validation types, updates, episodes), as `score`. */
export function settingScores(evalRows: readonly Row[], params: readonly string[]): Row[] {
  return meanBy(evalRows, [...params, 'seed'], 'return').map((r) => ({ ...r, score: r.return }));
}

/** The setting with the best mean score over seeds (the first in grid order on a tie). */
export function chooseSetting(scoreRows: readonly Row[], params: readonly string[]): Point {
  const settings = meanBy(scoreRows, [...params], 'score');
  let best = settings[0];
  for (const r of settings) if (Number(r.score) > Number(best.score)) best = r;
  return Object.fromEntries(params.map((p) => [p, best[p]]));
}

/** A copy of `base` with every path -> value of every point set, in order (e.g. each method's chosen setting). */
export function withPoints<T extends object>(base: T, points: readonly (Point | undefined)[]): T {
  let o: T = base;
  for (const point of points) for (const [path, v] of Object.entries(point ?? {})) o = setPath(o, path, v);
  return o;
}

/** Leaf paths of a resolved config, for error messages. */
function leafPaths(obj: unknown, prefix = ''): string[] {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return [prefix];
  return Object.entries(obj as Record<string, unknown>).flatMap(([k, v]) => leafPaths(v, prefix ? `${prefix}.${k}` : k));
}

export interface SweepResult<C> {
  experiment: string;
  /** The swept config paths: the leading columns of every table. */
  params: string[];
  points: Point[];
  /** One run per point, in the order of `points`. */
  runs: RunResult<C>[];
  /** Every table of the experiment over all points and seeds: params, seed, then the unit's columns. */
  tables: Tables;
  /** The table "rows" (single-table experiments), else the first table. */
  rows: Row[];
  /** Units computed in this call and units read from the cache. */
  computed: number;
  cached: number;
}

/**
 * An executor opened on the first unit to compute, so a sweep whose units are all cached
 * never loads a tfjs backend, starts a thread or connects to Redis.
 */
export class LazyExecutor implements Executor {
  private real: Promise<Executor> | null = null;
  description = 'the sweep executor';

  constructor(private readonly open: () => Promise<Executor>, private readonly onOpen: (e: Executor) => void) {}

  async run(jobs: readonly UnitJob[], onResult: OnResult): Promise<void> {
    if (!this.real) this.real = this.open().then((e) => (this.onOpen(e), e));
    return (await this.real).run(jobs, onResult);
  }

  async close(): Promise<void> {
    if (this.real) await (await this.real.catch(() => null))?.close();
  }
}

/**
 * One executor for several sweeps run at once (they share its threads or queue), opened
 * on the first unit to compute: worker threads, or the Redis queue with LAB_QUEUE.
 */
export function sharedExecutor(label: string, opts: Pick<RunOptions, 'workers' | 'log' | 'progressEveryMs'>, units: number, find: (name: string) => Experiment<object>): Executor {
  const log = opts.log ?? ((l: string) => console.log(l));
  return new LazyExecutor(async () => {
    const info = backendInfo() ?? (await initBackend());
    return openExecutor({ label, log, progressEveryMs: opts.progressEveryMs, backend: info.name, workers: localWorkers(opts.workers, units), find });
  }, (e) => log(`[${label}] computing on ${e.description}`));
}

/**
 * Run (or load) `exp` at every point over the base overrides, for every seed of
 * `opts.seeds`; see the file comment. Paths must be settings of the experiment's config.
 * With `opts.executor`, units run there (the caller opens and closes it; `sharedExecutor`
 * makes one that opens on first use).
 */
export async function runSweep<C extends object, In>(exp: Experiment<C, In>, base: In | undefined, points: readonly Point[],
  opts: RunOptions): Promise<SweepResult<C>> {
  const where = `${exp.name} sweep`;
  if (!Array.isArray(points) || points.length === 0) throw new ConfigError(where, 'points', 'must hold at least one setting');
  const params = [...new Set(points.flatMap((p) => Object.keys(p)))];
  const defaults = exp.resolve(base);
  for (const p of params) {
    const v = getPath(defaults, p);
    if (v === undefined || (v !== null && typeof v === 'object' && !Array.isArray(v))) {
      throw new ConfigError(where, p, `is not a setting of ${exp.name}'s config (settings: ${leafPaths(defaults).join(', ')})`);
    }
  }
  points.forEach((pt, i) => {
    const absent = params.filter((p) => !(p in pt));
    if (absent.length > 0) throw new ConfigError(where, `points[${i}]`, `must set every swept path; it lacks ${absent.join(', ')}`);
  });
  // Each point resolved once; two points that give the same config would be one unit twice.
  const overrides = points.map((pt) => {
    let o = (base ?? {}) as object;
    for (const p of params) o = setPath(o, p, pt[p] as Value);
    return o as In;
  });
  const hashes = overrides.map((o, i) => {
    try {
      const cfg = exp.resolve(o);
      return configHash(exp.name, exp.version, cfg);
    } catch (e) {
      throw new ConfigError(where, `points[${i}]`, `${JSON.stringify(points[i])} is not a valid setting: ${(e as Error).message}`);
    }
  });
  const dup = hashes.findIndex((h, i) => hashes.indexOf(h) !== i);
  if (dup >= 0) throw new ConfigError(where, `points[${dup}]`, `${JSON.stringify(points[dup])} gives the same config as points[${hashes.indexOf(hashes[dup])}]`);

  const log = opts.log ?? ((l: string) => console.log(l));
  const seedCount = typeof opts.seeds === 'number' ? opts.seeds : opts.seeds.length;
  log(`[${where}] ${points.length} setting(s) of ${params.join(', ')} x ${seedCount} seed(s) = ${points.length * seedCount} units`);
  // The caller's executor (several sweeps sharing threads or workers), else one of our own.
  const executor = opts.executor ?? sharedExecutor(where, opts, points.length * seedCount, () => exp as unknown as Experiment<object>);
  // Per-setting notes ("loaded from", "computing") would be one line per point: keep warnings only.
  const quiet = (l: string) => {
    if (/warning|error/i.test(l)) log(l);
  };
  let runs: RunResult<C>[];
  try {
    runs = await Promise.all(overrides.map((o) => runExperiment(exp, o, { ...opts, executor, log: quiet })));
  } finally {
    if (!opts.executor) await executor.close();
  }

  const tables: Tables = {};
  runs.forEach((run, i) => {
    for (const [name, rows] of Object.entries(run.tables)) {
      const all = tables[name] ?? (tables[name] = []);
      for (const r of rows) {
        const clash = params.find((p) => p in r);
        if (clash) throw new Error(`${where}: table "${name}" already has a column "${clash}", the name of a swept path`);
        all.push({ ...points[i], ...r });
      }
    }
  });
  const computed = runs.reduce((s, r) => s + r.computed.length, 0);
  const cached = runs.reduce((s, r) => s + r.cached.length, 0);
  log(`[${where}] ${computed + cached} units: ${computed} computed, ${cached} from the cache`);
  const rows = tables.rows ?? tables[Object.keys(tables)[0]] ?? [];
  return { experiment: exp.name, params, points: points.slice(), runs, tables, rows, computed, cached };
}

/**
 * Several sweeps of one experiment (e.g. one per method of a tuning) on one shared executor
 * and its single progress line; each sweep's own notes are kept to warnings. Logs how many
 * units were computed and how many came from the cache, in all.
 * @returns the sweeps' results by key
 */
export async function runSweeps<K extends string, C extends object, In>(label: string, exp: Experiment<C, In>,
  sweeps: readonly { key: K; base: In; points: readonly Point[] }[], opts: Omit<RunOptions, 'executor'>): Promise<Record<K, SweepResult<C>>> {
  const log = opts.log ?? ((l: string) => console.log(l));
  const seedCount = typeof opts.seeds === 'number' ? opts.seeds : opts.seeds.length;
  const units = sweeps.reduce((n, s) => n + s.points.length * seedCount, 0);
  const executor = sharedExecutor(label, { ...opts, log }, units, () => exp as unknown as Experiment<object>);
  const quiet = (l: string) => {
    if (/warning|error/i.test(l)) log(l);
  };
  let done: SweepResult<C>[];
  try {
    done = await Promise.all(sweeps.map((s) => runSweep(exp, s.base, s.points, { ...opts, log: quiet, executor })));
  } finally {
    await executor.close();
  }
  const computed = done.reduce((n, d) => n + d.computed, 0);
  log(`[${label}] ${units} units: ${computed} computed, ${units - computed} from the cache`);
  return Object.fromEntries(sweeps.map((s, i) => [s.key, done[i]])) as Record<K, SweepResult<C>>;
}
