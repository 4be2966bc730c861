/**
 * The experiment runner: every experiment of the lab runs through `runExperiment`.
 *
 * - One resolved config + one seed per unit. The run's identity (experiment.ts: name,
 *   version, config, declared tables, backend) is hashed; results live in
 *   data/<experiment>/<hash>/ (store.ts), so an unchanged run re-renders from disk at
 *   once and a changed one recomputes. `force` (or LAB_RECOMPUTE) recomputes anyway.
 * - Seeds run on an executor (executors/): worker threads of this process by default,
 *   one unit per thread at a time (`workers: 1` runs them in this thread), or a BullMQ
 *   queue on Redis served by workers on many machines when LAB_QUEUE=redis://host:port.
 *   A unit's result depends only on (config, seed), so every executor gives identical
 *   rows. Workers find the experiment by name in the registry (registry.ts).
 * - Resumable: each finished unit is written atomically the moment it is done. A killed
 *   run loses only unfinished units. A unit whose files are missing a half, do not
 *   parse, fail the checksum or disagree with the declared tables is reported with its
 *   path and recomputed.
 * - Concurrent runs: a run that must compute takes the folder's lock (lock.ts); a second
 *   run of the same identity waits, saying for whom, and then loads what the first one
 *   finished. A run whose seeds are all on disk needs no lock and writes nothing unless
 *   the results files are out of date, so it works on read-only results.
 * - Progress: units done / total, rate and ETA, in the notebook and on the terminal.
 * - Provenance: every unit records the resolved config, seed, tfjs backend, package
 *   version, git commit, Node version, time and duration.
 */
import * as path from 'path';
import { z } from 'zod';
import { ConfigError } from '../core/config';
import { checkFolder, labEnv } from '../core/env';
import { Row } from '../core/row';
import { Frame, tableFrame } from './results';
import { backendInfo, initBackend } from '../core/tf';
import type { Executor, UnitJob } from './executors/executor';
import { localWorkers, openExecutor } from './executors/open';
import { AnyExperiment, checkExperiment, Experiment, runIdentity } from './experiment';
import { isRegistered } from './registry';
import { Provenance, UnitRecord, UnitStore } from './store';
import { SavedRow, SeededTablesOf, TableSchema, TablesSchema } from './tables';

export { canonicalJson, configHash, runIdentity } from './experiment';
export type { AnyExperiment, Experiment } from './experiment';
export type { Provenance, Tables } from './store';

export interface RunOptions {
  /** Seeds to run: a list of integers >= 0, or a count n for seeds 0..n-1. */
  seeds: number[] | number;
  /** Worker threads; 1 runs in this thread. Default: LAB_WORKERS, else min(cores, seeds to compute). */
  workers?: number;
  /** Recompute even when cached (default: LAB_RECOMPUTE). */
  force?: boolean;
  /** Results folder (default: LAB_DATA_DIR, else the repository's data/); relative to the working directory. */
  dataDir?: string;
  /** Where progress and cache notes go (default console.log). */
  log?: (line: string) => void;
  /** Minimum ms between progress lines. */
  progressEveryMs?: number;
  /** Run units on this executor (a sweep shares one across configs; the caller closes it). Default: executors/open.ts. */
  executor?: Executor;
}

const seed = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const runOptionsSchema = z.object({
  seeds: z.union([z.number().int().min(1).max(1_000_000), z.array(seed).min(1)]),
  workers: z.number().int().min(1).max(1024).optional(),
  force: z.boolean().optional(),
  dataDir: z.string().min(1).refine((s) => !s.includes('\0'), 'must not hold a NUL character').optional(),
  log: z.function().optional(),
  progressEveryMs: z.number().finite().min(0).optional(),
  executor: z.custom<Executor>((v) => typeof v === 'object' && v !== null && typeof (v as Executor).run === 'function' && typeof (v as Executor).close === 'function').optional(),
}).strict();

/** Check run options; throws a ConfigError naming the option. */
export function checkRunOptions(opts: RunOptions): RunOptions {
  if (typeof opts !== 'object' || opts === null) throw new ConfigError('run options', '(root)', `must be an object such as { seeds: 3 }, got ${String(opts)}`);
  const r = runOptionsSchema.safeParse(opts);
  if (r.success) {
    if (Array.isArray(opts.seeds) && new Set(opts.seeds).size !== opts.seeds.length) {
      throw new ConfigError('run options', 'seeds', `must not repeat, got ${opts.seeds.join(', ')}`);
    }
    return opts;
  }
  const issue = r.error.issues[0];
  const field = issue.path.length > 0 ? issue.path.map((k, i) => (typeof k === 'number' ? `[${k}]` : i > 0 ? `.${k}` : k)).join('') : issue.code === 'unrecognized_keys' ? issue.keys[0] : '(root)';
  const got = issue.path.reduce<unknown>((v, k) => (v as Record<string | number, unknown>)?.[k], opts);
  const expected: Record<string, string> = {
    seeds: 'must be a count from 1 to 1000000 or a non-empty list of integers from 0 to 2^53 - 1',
    workers: 'must be an integer from 1 to 1024',
    force: 'must be true or false',
    dataDir: 'must be a folder path',
    log: 'must be a function (line) => void',
    progressEveryMs: 'must be a number of milliseconds >= 0',
    executor: 'must be an executor (lib/experiments/executors/executor.ts)',
  };
  const top = String(issue.path[0] ?? field);
  if (issue.code === 'unrecognized_keys') throw new ConfigError('run options', field, `is not a known option (known: ${Object.keys(expected).join(', ')})`);
  throw new ConfigError('run options', field, `${expected[top] ?? issue.message}, got ${typeof got === 'string' ? JSON.stringify(got) : Array.isArray(got) ? `[${got.join(', ')}]` : String(got)}`);
}

export interface RunResult<C, T extends TablesSchema = TablesSchema> {
  experiment: string;
  config: C;
  hash: string;
  /** The tfjs backend the results belong to (null for a backend-independent experiment). */
  backend: string | null;
  /** data/<experiment>/<hash> */
  dir: string;
  /** Every declared table over all seeds, each row with a leading `seed` column, in seed order; typed as declared. */
  tables: SeededTablesOf<T>;
  /** The table "rows" (single-table experiments), else the first declared table. */
  rows: T extends { rows: TableSchema } ? SavedRow<T['rows']>[] : Row[];
  /**
   * One table over all seeds as a danfojs DataFrame with typed columns (int32, float32,
   * string, boolean), for exploring: `run.frame("eval").groupby(["method"]).col(["return"]).mean()`.
   * Default: the table of `rows`. Throws listing the run's tables for an unknown name.
   */
  frame(table?: keyof T & string): Frame;
  /** Seeds computed in this call and seeds read from disk. */
  computed: number[];
  cached: number[];
  provenance: Provenance[];
}

function seedList(seeds: number[] | number): number[] {
  return typeof seeds === 'number' ? Array.from({ length: seeds }, (_, i) => i) : seeds.slice();
}

function seedRanges(seeds: readonly number[]): string {
  const s = [...seeds].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < s.length; i++) {
    let j = i;
    while (j + 1 < s.length && s[j + 1] === s[j] + 1) j++;
    parts.push(j > i ? `${s[i]}-${s[j]}` : `${s[i]}`);
    i = j;
  }
  return parts.join(', ');
}

/**
 * Run (or load) every seed of an experiment.
 * @param overrides config overrides, checked and completed by the experiment's resolver
 */
export async function runExperiment<C extends object, In, T extends TablesSchema>(exp: Experiment<C, In, T>, overrides: In | undefined, opts: RunOptions): Promise<RunResult<C, T>> {
  const env = labEnv(); // every LAB_ variable, checked before anything else
  checkExperiment(exp as unknown as AnyExperiment);
  checkRunOptions(opts);
  const config = exp.resolve(overrides);
  const seeds = seedList(opts.seeds);
  const log = opts.log ?? ((l: string) => console.log(l));
  const force = opts.force ?? env.recompute;
  const backend = exp.backendIndependent ? backendInfo() : backendInfo() ?? (await initBackend());
  const id = runIdentity(exp as unknown as AnyExperiment, config, backend?.name ?? 'none');
  const dataDir = opts.dataDir !== undefined ? path.resolve(opts.dataDir) : env.dataDir.dir;
  if (opts.dataDir !== undefined) checkFolder(dataDir, 'run options: "dataDir"', opts.dataDir);
  const source = opts.dataDir !== undefined ? 'the dataDir option' : env.dataDir.source;
  const store = new UnitStore(dataDir, id);
  const tag = `[${exp.name}]`;
  const warn = (e: Error) => log(`${tag} warning: ${e.message}; recomputing it`);

  // Without the lock: all seeds on disk -> done, writing nothing that is up to date.
  const units = new Map<number, UnitRecord>();
  if (!force) {
    for (const s of seeds) {
      const u = store.tryLoad(s, () => undefined);
      if (u) units.set(s, u);
    }
  }
  let todo = seeds.filter((s) => !units.has(s));
  const computed: number[] = [];
  if (todo.length > 0) {
    await store.acquire({ purpose: `${exp.name}: seeds ${seedRanges(todo)}`, log: (l) => log(`${tag} ${l}`) }, source);
    try {
      // Under the lock: what another run finished meanwhile, and why a unit is unusable.
      if (!force) {
        for (const s of todo) {
          const u = store.tryLoad(s, warn);
          if (u) units.set(s, u);
        }
      }
      todo = seeds.filter((s) => !units.has(s));
      if (todo.length < seeds.length) log(`${tag} ${seeds.length - todo.length}/${seeds.length} seeds loaded from ${path.relative(process.cwd(), store.dir) || store.dir}`);
      if (todo.length > 0 && units.size === 0) {
        const others = store.otherBackends();
        if (others.length > 0) log(`${tag} note: this config has results computed on ${others.join(', ')}; set LAB_BACKEND=${others[0]} to re-render those instead of computing on ${id.backend}`);
      }
      if (todo.length > 0) {
        // A backend-independent experiment records the backend in use, if any, without starting one.
        const used = exp.backendIndependent ? backendInfo()?.name ?? 'none' : (backend ?? (await initBackend())).name;
        const workers = localWorkers(opts.workers ?? env.workers, todo.length);
        const threaded = workers > 1 && isRegistered(exp as unknown as AnyExperiment);
        if (workers > 1 && !threaded && !opts.executor) log(`${tag} note: ${exp.name} is not in the experiment registry, so worker threads cannot load it; running on this thread (see registerExperiment)`);
        // The executor: the caller's (a sweep shares one), else LAB_QUEUE's Redis queue, else worker threads.
        const threadBackend = (backendInfo() ?? (await initBackend())).name;
        const executor = opts.executor ?? await openExecutor({
          label: exp.name, log, progressEveryMs: opts.progressEveryMs, backend: threadBackend,
          workers: threaded ? workers : 1, find: () => exp as unknown as AnyExperiment,
        });
        log(`${tag} computing ${todo.length} seed(s) on ${executor.description} (${used})`);
        const jobs = todo.map((s): UnitJob => ({ experiment: exp.name, version: exp.version, config, hash: id.hash, seed: s, backend: threadBackend }));
        try {
          await executor.run(jobs, ({ job, result, ms }) => {
            units.set(job.seed, store.save(job.seed, result, ms, used));
            computed.push(job.seed);
          });
        } finally {
          if (!opts.executor) await executor.close();
        }
      }
    } finally {
      store.release();
    }
  } else {
    log(`${tag} ${seeds.length}/${seeds.length} seeds loaded from ${path.relative(process.cwd(), store.dir) || store.dir}`);
  }

  const tables = store.writeResults(seeds, units, (l) => log(`${tag} ${l}`));
  const provenance = seeds.map((s) => units.get(s)!.provenance);
  const commits = [...new Set(provenance.map((p) => p.gitCommit))];
  if (commits.length > 1) {
    log(`${tag} note: these seeds were computed at ${commits.length} commits (${commits.map((c) => c.slice(0, 12)).join(', ')}); if the code between them changed what a unit computes, bump ${exp.name}'s version`);
  }
  const first = Object.keys(exp.tables)[0];
  const rowsTable = tables.rows ? 'rows' : first;
  return {
    experiment: exp.name,
    config,
    hash: id.hash,
    backend: id.backend,
    dir: store.dir,
    tables: tables as unknown as SeededTablesOf<T>,
    rows: (tables.rows ?? tables[first]) as RunResult<C, T>['rows'],
    frame: (table: string = rowsTable) => tableFrame(tables, table, `${exp.name} run ${id.hash}`),
    computed: computed.sort((a, b) => a - b),
    cached: seeds.filter((s) => !computed.includes(s)),
    provenance,
  };
}
