/**
 * The experiment runner: every experiment of the lab runs through `runExperiment`.
 *
 * - One typed config + one seed per unit. The resolved config is hashed; results live in
 *   data/<experiment>/<hash>/, so an unchanged config re-renders from disk at once and a
 *   changed one recomputes. `force` (or LAB_RECOMPUTE=1) recomputes anyway.
 * - Seeds run on an executor (executors/): worker threads of this process by default,
 *   one unit per thread at a time (`workers: 1` runs them in this thread), or a BullMQ
 *   queue on Redis served by workers on many machines when LAB_QUEUE=redis://host:port.
 *   A unit's result depends only on (config, seed), so every executor gives identical rows.
 * - Resumable: each finished unit is written atomically the moment it is done
 *   (one CSV per table, seed-<s>.<table>.csv, then its provenance record seed-<s>.json,
 *   which names each CSV's sha256). A killed run loses only unfinished units. A unit whose files are missing a
 *   half, do not parse, or fail the checksum is reported with its path and recomputed.
 * - Progress: units done / total, rate and ETA, in the notebook and on the terminal.
 * - Provenance: every unit records the resolved config, seed, tfjs backend, package
 *   version, git commit, Node version, time and duration.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ConfigError } from '../core/config';
import type { Executor, UnitJob } from './executors/executor';
import { localWorkers, openExecutor } from './executors/open';
import { csvToRows, removeStaleTemps, Row, rowsToCsv, sha256, writeFileAtomic } from './results';
import { backendInfo, initBackend } from '../core/tf';

/** Named tidy tables of one unit, e.g. { eval: [...], medoids: [...] }. */
export type Tables = Record<string, Row[]>;

/** What a unit returns: one table (saved as table "rows") or several named tables. */
export type UnitResult = Row[] | Tables;

/** An experiment: a pure function of (config, seed) to tidy tables, plus how to find it from a worker. */
export interface Experiment<C extends object, In = unknown> {
  /** Folder name under data/. */
  name: string;
  /** Bump when the code changes what a config produces; part of the hash. */
  version: number;
  /** Compiled module that exports this experiment (use `__filename`), so workers can load it. */
  module: string;
  /** Name of the export in that module. */
  exportName: string;
  /** Check overrides and fill in the defaults (throws ConfigError naming the field): the config's schema resolver. */
  resolve(overrides?: In): C;
  /** Run one seed. Must depend on nothing but (config, seed). */
  unit(config: C, seed: number): UnitResult | Promise<UnitResult>;
}

export interface RunOptions {
  /** Seeds to run: a list, or a count n for seeds 0..n-1. */
  seeds: number[] | number;
  /** Worker threads; 1 runs in this thread. Default: LAB_WORKERS, else min(cores, seeds to compute). */
  workers?: number;
  /** Recompute even when cached (default: LAB_RECOMPUTE=1). */
  force?: boolean;
  /** Results folder (default: LAB_DATA_DIR, else the repository's data/). */
  dataDir?: string;
  /** Where progress and cache notes go (default console.log). */
  log?: (line: string) => void;
  /** Minimum ms between progress lines. */
  progressEveryMs?: number;
  /** Run units on this executor (a sweep shares one across configs; the caller closes it). Default: see executors/open.ts. */
  executor?: Executor;
}

/** What every unit records about how it was produced. */
export interface Provenance {
  experiment: string;
  version: number;
  hash: string;
  seed: number;
  config: unknown;
  backend: string;
  packageVersion: string;
  gitCommit: string;
  node: string;
  createdAt: string;
  durationMs: number;
  /** Per table: row count and the sha256 of its CSV file. */
  tables: Record<string, { rows: number; csvSha256: string }>;
}

export interface RunResult<C> {
  experiment: string;
  config: C;
  hash: string;
  /** data/<experiment>/<hash> */
  dir: string;
  /** Every table over all seeds, each row with a leading `seed` column, in seed order. */
  tables: Tables;
  /** The table "rows" (single-table experiments), else the first table. */
  rows: Row[];
  /** Seeds computed in this call and seeds read from disk. */
  computed: number[];
  cached: number[];
  provenance: Provenance[];
}

const ROOT = path.join(__dirname, '..', '..', '..');

export function defaultDataDir(): string {
  return process.env.LAB_DATA_DIR || path.join(ROOT, 'data');
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

/** The 12-hex-digit key of (experiment, version, resolved config). */
export function configHash(name: string, version: number, config: unknown): string {
  return sha256(canonicalJson({ experiment: name, version, config })).slice(0, 12);
}

let gitCommitCache: string | null = null;
function gitCommit(): string {
  if (gitCommitCache !== null) return gitCommitCache;
  try {
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    gitCommitCache = dirty ? `${head}+dirty` : head;
  } catch {
    gitCommitCache = 'unknown';
  }
  return gitCommitCache;
}

function packageVersion(): string {
  try {
    return JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version;
  } catch {
    return 'unknown';
  }
}

function seedList(seeds: number[] | number): number[] {
  const list = typeof seeds === 'number' ? Array.from({ length: seeds }, (_, i) => i) : seeds.slice();
  if (list.length === 0) throw new ConfigError('run options', 'seeds', 'must name at least one seed');
  for (const s of list) {
    if (!Number.isInteger(s) || s < 0) throw new ConfigError('run options', 'seeds', `must be integers >= 0, got ${s}`);
  }
  if (new Set(list).size !== list.length) throw new ConfigError('run options', 'seeds', `must not repeat, got ${list.join(', ')}`);
  return list;
}

function metaPath(dir: string, seed: number): string {
  return path.join(dir, `seed-${seed}.json`);
}

function tablePath(dir: string, seed: number, table: string): string {
  return path.join(dir, `seed-${seed}.${table}.csv`);
}

const TABLE_NAME = /^[A-Za-z][A-Za-z0-9_-]*$/;

/** A unit's result as named tables; checks the names. */
export function asTables(r: UnitResult, where: string): Tables {
  const tables: Tables = Array.isArray(r) ? { rows: r } : r;
  if (typeof tables !== 'object' || tables === null || Object.keys(tables).length === 0) {
    throw new Error(`${where}: a unit must return rows or a non-empty object of named tables`);
  }
  for (const [name, rows] of Object.entries(tables)) {
    if (!TABLE_NAME.test(name)) throw new Error(`${where}: table name ${JSON.stringify(name)} must be a letter followed by letters, digits, _ or -`);
    if (!Array.isArray(rows)) throw new Error(`${where}: table "${name}" must be an array of rows`);
  }
  return tables;
}

/**
 * Read a finished unit. Returns null when it was never written; throws an Error naming
 * the file when it is there but unusable (half-written, corrupt, wrong checksum).
 */
export function loadUnit(dir: string, seed: number, hash: string): { tables: Tables; provenance: Provenance } | null {
  const meta = metaPath(dir, seed);
  const orphans = fs.readdirSync(dir).filter((f) => f.startsWith(`seed-${seed}.`) && f.endsWith('.csv'));
  if (!fs.existsSync(meta)) {
    if (orphans.length === 0) return null;
    throw new Error(`${path.join(dir, orphans[0])}: result without its provenance record ${path.basename(meta)} (the run stopped while writing)`);
  }
  let prov: Provenance;
  try {
    prov = JSON.parse(fs.readFileSync(meta, 'utf8'));
  } catch (e) {
    throw new Error(`${meta}: corrupt provenance record (${(e as Error).message})`);
  }
  if (prov.hash !== hash || prov.seed !== seed || typeof prov.tables !== 'object' || prov.tables === null) {
    throw new Error(`${meta}: records hash ${prov.hash} seed ${prov.seed}, expected hash ${hash} seed ${seed} with its tables`);
  }
  const tables: Tables = {};
  for (const [name, info] of Object.entries(prov.tables)) {
    const file = tablePath(dir, seed, name);
    if (!fs.existsSync(file)) throw new Error(`${file}: missing, though ${path.basename(meta)} lists it`);
    const text = fs.readFileSync(file, 'utf8');
    if (sha256(text) !== info.csvSha256) throw new Error(`${file}: checksum does not match its provenance record (truncated or edited)`);
    const rows = csvToRows(text, file);
    if (rows.length !== info.rows) throw new Error(`${file}: holds ${rows.length} rows, its provenance record says ${info.rows}`);
    tables[name] = rows;
  }
  return { tables, provenance: prov };
}

function saveUnit(dir: string, exp: Experiment<object>, config: object, hash: string, seed: number, result: UnitResult, durationMs: number): Provenance {
  const tables = asTables(result, `${exp.name} seed ${seed}`);
  const texts: Record<string, string> = {};
  const info: Provenance['tables'] = {};
  for (const [name, rows] of Object.entries(tables)) {
    texts[name] = rowsToCsv(rows, `${exp.name} seed ${seed} table ${name}`);
    info[name] = { rows: rows.length, csvSha256: sha256(texts[name]) };
  }
  const prov: Provenance = {
    experiment: exp.name,
    version: exp.version,
    hash,
    seed,
    config,
    backend: backendInfo()?.name ?? 'unset',
    packageVersion: packageVersion(),
    gitCommit: gitCommit(),
    node: process.version,
    createdAt: new Date().toISOString(),
    durationMs: Math.round(durationMs),
    tables: info,
  };
  // Tables first, the provenance record last: the record is what marks the unit finished.
  for (const name of Object.keys(texts)) writeFileAtomic(tablePath(dir, seed, name), texts[name]);
  writeFileAtomic(metaPath(dir, seed), JSON.stringify(prov, null, 2) + '\n');
  return prov;
}

/**
 * Run (or load) every seed of an experiment.
 * @param overrides config overrides, merged over the experiment's defaults
 */
export async function runExperiment<C extends object, In>(exp: Experiment<C, In>, overrides: In | undefined, opts: RunOptions): Promise<RunResult<C>> {
  const config = exp.resolve(overrides);
  const seeds = seedList(opts.seeds);
  const hash = configHash(exp.name, exp.version, config);
  const dir = path.join(opts.dataDir ?? defaultDataDir(), exp.name, hash);
  const log = opts.log ?? ((l: string) => console.log(l));
  const force = opts.force ?? process.env.LAB_RECOMPUTE === '1';
  fs.mkdirSync(dir, { recursive: true });
  removeStaleTemps(dir);
  const configFile = path.join(dir, 'config.json');
  if (!fs.existsSync(configFile)) {
    writeFileAtomic(configFile, JSON.stringify({ experiment: exp.name, version: exp.version, hash, config }, null, 2) + '\n');
  }

  const results = new Map<number, { tables: Tables; provenance: Provenance }>();
  const todo: number[] = [];
  for (const seed of seeds) {
    if (force) {
      todo.push(seed);
      continue;
    }
    try {
      const unit = loadUnit(dir, seed, hash);
      if (unit) results.set(seed, unit);
      else todo.push(seed);
    } catch (e) {
      log(`[${exp.name}] warning: ${(e as Error).message}; recomputing seed ${seed}`);
      todo.push(seed);
    }
  }
  const cached = seeds.filter((s) => !todo.includes(s));
  if (cached.length > 0) log(`[${exp.name}] ${cached.length}/${seeds.length} seeds loaded from ${path.relative(process.cwd(), dir) || dir}`);

  if (todo.length > 0) {
    const info = backendInfo() ?? (await initBackend());
    // The executor: the caller's (a sweep shares one), else LAB_QUEUE's Redis queue, else worker threads.
    const executor = opts.executor ?? await openExecutor({
      label: exp.name, log, progressEveryMs: opts.progressEveryMs, backend: info.name,
      workers: localWorkers(opts.workers, todo.length), find: () => exp as Experiment<object>,
    });
    log(`[${exp.name}] computing ${todo.length} seed(s) on ${executor.description} (${info.name})`);
    const jobs = todo.map((seed): UnitJob => ({ experiment: exp.name, version: exp.version, config, hash, seed, backend: info.name }));
    try {
      await executor.run(jobs, ({ job, result, ms }) => {
        saveUnit(dir, exp as Experiment<object>, config, hash, job.seed, result, ms);
        // Read back what was written, so cached and fresh runs return identical values.
        results.set(job.seed, loadUnit(dir, job.seed, hash)!);
      });
    } finally {
      if (!opts.executor) await executor.close();
    }
  }

  const tables: Tables = {};
  const provenance: Provenance[] = [];
  for (const seed of seeds) {
    const u = results.get(seed)!;
    provenance.push(u.provenance);
    for (const [name, rows] of Object.entries(u.tables)) {
      const all = tables[name] ?? (tables[name] = []);
      for (const r of rows) all.push({ seed, ...r });
    }
  }
  // All seeds of this call in one tidy file per table, for readers outside the lab, with
  // the provenance of the units it merges.
  for (const [name, rows] of Object.entries(tables)) {
    if (rows.length > 0) writeFileAtomic(path.join(dir, `results.${name}.csv`), rowsToCsv(rows, `${exp.name} results ${name}`));
  }
  const distinct = (f: (p: Provenance) => string) => [...new Set(provenance.map(f))];
  writeFileAtomic(path.join(dir, 'results.json'), JSON.stringify({
    experiment: exp.name, version: exp.version, hash, config, seeds,
    tables: Object.fromEntries(Object.entries(tables).map(([k, v]) => [k, { file: `results.${k}.csv`, rows: v.length }])),
    backends: distinct((p) => p.backend), gitCommits: distinct((p) => p.gitCommit), packageVersions: distinct((p) => p.packageVersion),
    units: provenance.map((p) => ({ seed: p.seed, createdAt: p.createdAt, durationMs: p.durationMs, backend: p.backend, gitCommit: p.gitCommit })),
  }, null, 2) + '\n');
  const rows = tables.rows ?? tables[Object.keys(tables)[0]] ?? [];
  return { experiment: exp.name, config, hash, dir, tables, rows, computed: todo, cached, provenance };
}
