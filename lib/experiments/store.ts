/**
 * The unit store: one results folder per run identity, data/<experiment>/<hash>/, and
 * everything that reads or writes it. The runner orchestrates; this file trusts nothing
 * it reads from disk.
 *
 *   config.json              the run's identity (experiment, version, hash, config, tables, backend)
 *   seed-<s>.<table>.csv     one declared table of one finished unit (tables.ts codec)
 *   seed-<s>.json            the unit's provenance record, written last: it marks the unit finished
 *   results.<table>.csv      every seed of the last run, with a leading `seed` column
 *   results.json             what the results files hold, with per-unit provenance
 *   .lock                    held while a run computes here (lock.ts)
 *
 * Loading a unit checks its record against a schema and against the run's identity
 * (experiment, version, hash, seed, backend, config), checks that it lists exactly the
 * declared tables (so a record cannot drop a table's rows or name a file outside the
 * folder), and reads every CSV with its checksum, declared columns and row count. A unit
 * that fails is `CorruptUnitError` (the runner warns, naming the file, and recomputes it);
 * a folder where a file belongs is a plain Error (it cannot be overwritten).
 *
 * Writes: units only under the folder's lock; results files and config.json only when
 * their content changes, so a re-render of finished results writes nothing and works on
 * a read-only copy.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { z } from 'zod';
import { REPO_ROOT } from '../core/env';
import { canonicalJson, RunIdentity } from './experiment';
import { FolderLock, lockFolder, LockOptions, removeDeadLock } from './lock';
import { removeDeadTemps, sha256, writeFileAtomic, writeFileIfChanged } from './results';
import { decodeTable, encodeTable, withSeed } from './tables';
import { Row } from '../core/row';

/** Named tidy tables of one unit. */
export type Tables = Record<string, Row[]>;

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

const provenanceSchema = z.object({
  experiment: z.string(),
  version: z.number().int(),
  hash: z.string(),
  seed: z.number().int().nonnegative(),
  config: z.unknown(),
  backend: z.string(),
  packageVersion: z.string(),
  gitCommit: z.string(),
  node: z.string(),
  createdAt: z.string(),
  durationMs: z.number().nonnegative(),
  tables: z.record(z.object({ rows: z.number().int().nonnegative(), csvSha256: z.string().regex(/^[0-9a-f]{64}$/) }).strict()),
}).strict();

/** A finished unit: its tables and its record. */
export interface UnitRecord {
  tables: Tables;
  provenance: Provenance;
}

/** A unit on disk that cannot be used; the runner recomputes it. */
export class CorruptUnitError extends Error {
  constructor(readonly file: string, message: string) {
    super(`${file}: ${message}`);
    this.name = 'CorruptUnitError';
  }
}

let gitCommitCache: string | null = null;
/** HEAD of the repository, with "+dirty" when tracked files changed; "unknown" outside git. */
export function gitCommit(): string {
  if (gitCommitCache !== null) return gitCommitCache;
  try {
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    gitCommitCache = dirty ? `${head}+dirty` : head;
  } catch {
    gitCommitCache = 'unknown';
  }
  return gitCommitCache;
}

function packageVersion(): string {
  try {
    return JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')).version;
  } catch {
    return 'unknown';
  }
}

/** Is `p` a file (true), missing (false)? Throws when it is a folder or cannot be examined. */
function isFile(p: string, what: string): boolean {
  let st: fs.Stats;
  try {
    st = fs.statSync(p);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return false;
    throw new Error(`${p}: cannot examine ${what} (${code})`);
  }
  if (st.isDirectory()) throw new Error(`${p}: is a folder, but ${what} must be a file; move the folder away and run again`);
  if (!st.isFile()) throw new Error(`${p}: is not a regular file (${what})`);
  return true;
}

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && [...a].sort().join('\0') === [...b].sort().join('\0');
}

/** The results folder of one run identity. */
export class UnitStore {
  /** data/<experiment>/<hash> */
  readonly dir: string;
  private lock: FolderLock | null = null;

  /**
   * @param dataDir the data folder (absolute)
   * @param id the run's identity (experiment.ts)
   */
  constructor(readonly dataDir: string, readonly id: RunIdentity) {
    this.dir = this.inside(path.join(dataDir, id.experiment, id.hash));
  }

  /** `p`, after checking it lies inside the data folder. */
  private inside(p: string): string {
    const rel = path.relative(this.dataDir, p);
    if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) throw new Error(`${p}: outside the data folder ${this.dataDir}; refusing to touch it`);
    return p;
  }

  recordPath(seed: number): string {
    return this.inside(path.join(this.dir, `seed-${seed}.json`));
  }

  tablePath(seed: number, table: string): string {
    if (!Object.prototype.hasOwnProperty.call(this.id.tables, table)) throw new Error(`${this.id.experiment}: table ${JSON.stringify(table)} is not declared`);
    return this.inside(path.join(this.dir, `seed-${seed}.${table}.csv`));
  }

  /**
   * Read a finished unit. Null when it was never written; CorruptUnitError naming the file
   * when it is there but unusable; Error when a folder sits where a file belongs.
   */
  load(seed: number): UnitRecord | null {
    const meta = this.recordPath(seed);
    const declared = Object.keys(this.id.tables);
    if (!isFile(meta, 'a provenance record')) {
      const orphan = declared.map((t) => this.tablePath(seed, t)).find((f) => isFile(f, 'a result table'));
      if (orphan === undefined) return null;
      throw new CorruptUnitError(orphan, `result without its provenance record ${path.basename(meta)} (the run stopped while writing)`);
    }
    let raw: unknown;
    try {
      raw = JSON.parse(fs.readFileSync(meta, 'utf8'));
    } catch (e) {
      throw new CorruptUnitError(meta, `corrupt provenance record (${(e as Error).message})`);
    }
    const parsed = provenanceSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new CorruptUnitError(meta, `provenance record: "${issue.path.join('.') || '(root)'}" ${issue.message}`);
    }
    const prov = parsed.data as Provenance;
    const id = this.id;
    const expect: [string, unknown, unknown][] = [
      ['experiment', prov.experiment, id.experiment], ['version', prov.version, id.version], ['hash', prov.hash, id.hash], ['seed', prov.seed, seed],
    ];
    if (id.backend !== null) expect.push(['backend', prov.backend, id.backend]);
    for (const [field, got, want] of expect) {
      if (got !== want) throw new CorruptUnitError(meta, `records ${field} ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
    }
    if (canonicalJson(prov.config) !== canonicalJson(id.config)) throw new CorruptUnitError(meta, 'records another config than its folder\'s');
    const listed = Object.keys(prov.tables);
    if (!sameKeys(listed, declared)) {
      throw new CorruptUnitError(meta, `lists the tables ${listed.join(', ') || '(none)'}, but ${id.experiment} declares ${declared.join(', ')}`);
    }
    const tables: Tables = {};
    for (const name of declared) {
      const info = prov.tables[name];
      const file = this.tablePath(seed, name);
      if (!isFile(file, 'a result table')) throw new CorruptUnitError(file, `missing, though ${path.basename(meta)} lists it`);
      const text = fs.readFileSync(file, 'utf8');
      if (sha256(text) !== info.csvSha256) throw new CorruptUnitError(file, 'checksum does not match its provenance record (truncated or edited)');
      let rows: Row[];
      try {
        rows = decodeTable(text, id.tables[name], file) as Row[];
      } catch (e) {
        throw new CorruptUnitError(file, (e as Error).message.replace(`${file}: `, ''));
      }
      if (rows.length !== info.rows) throw new CorruptUnitError(file, `holds ${rows.length} rows, its provenance record says ${info.rows}`);
      tables[name] = rows;
    }
    return { tables, provenance: prov };
  }

  /** Load a unit, or null when it is missing or corrupt (then `onCorrupt` hears why). */
  tryLoad(seed: number, onCorrupt: (e: CorruptUnitError) => void): UnitRecord | null {
    try {
      return this.load(seed);
    } catch (e) {
      if (e instanceof CorruptUnitError) {
        onCorrupt(e);
        return null;
      }
      throw e;
    }
  }

  /**
   * Check a unit's tables against the declaration and encode them; throws naming the
   * experiment, seed, table, row and column of the first mismatch.
   */
  encodeUnit(seed: number, result: unknown): Record<string, string> {
    const where = `${this.id.experiment} seed ${seed}`;
    if (typeof result !== 'object' || result === null || Array.isArray(result)) {
      throw new Error(`${where}: a unit must return an object of named tables (${Object.keys(this.id.tables).join(', ')})`);
    }
    const got = Object.keys(result), declared = Object.keys(this.id.tables);
    const extra = got.filter((t) => !declared.includes(t)), missing = declared.filter((t) => !got.includes(t));
    if (extra.length > 0) throw new Error(`${where}: returned table ${JSON.stringify(extra[0])}, which ${this.id.experiment} does not declare (declared: ${declared.join(', ')})`);
    if (missing.length > 0) throw new Error(`${where}: did not return the declared table "${missing[0]}" (return [] for a table without rows)`);
    const texts: Record<string, string> = {};
    for (const name of declared) {
      const rows = (result as Record<string, unknown>)[name];
      if (!Array.isArray(rows)) throw new Error(`${where}: table "${name}" must be an array of rows`);
      texts[name] = encodeTable(rows, this.id.tables[name], `${where} table "${name}"`);
    }
    return texts;
  }

  /** Save a finished unit (tables first, the record last); requires the lock. Returns it as `load` would. */
  save(seed: number, result: unknown, durationMs: number, backend: string): UnitRecord {
    const texts = this.encodeUnit(seed, result);
    if (this.lock === null) throw new Error(`${this.dir}: saving seed ${seed} without holding the folder's lock`);
    const info: Provenance['tables'] = {};
    for (const [name, text] of Object.entries(texts)) info[name] = { rows: 0, csvSha256: sha256(text) };
    const prov: Provenance = {
      experiment: this.id.experiment,
      version: this.id.version,
      hash: this.id.hash,
      seed,
      config: this.id.config,
      backend,
      packageVersion: packageVersion(),
      gitCommit: gitCommit(),
      node: process.version,
      createdAt: new Date().toISOString(),
      durationMs: Math.round(durationMs),
      tables: info,
    };
    const tables: Tables = {};
    for (const [name, text] of Object.entries(texts)) {
      // Read back what is written, so cached and fresh runs return identical values.
      tables[name] = decodeTable(text, this.id.tables[name], this.tablePath(seed, name)) as Row[];
      info[name].rows = tables[name].length;
    }
    this.lock.assertHeld();
    for (const [name, text] of Object.entries(texts)) writeFileAtomic(this.tablePath(seed, name), text);
    writeFileAtomic(this.recordPath(seed), JSON.stringify(prov, null, 2) + '\n');
    return { tables, provenance: prov };
  }

  /** Create the folder (an error names `source` when it cannot be), lock it, and remove dead writers' temporary files. */
  async acquire(opts: LockOptions, source: string): Promise<void> {
    try {
      fs.mkdirSync(this.dir, { recursive: true });
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      throw new Error(`${this.dir}: cannot create the results folder in ${this.dataDir} (from ${source}): ${err.code ?? err.message}`);
    }
    try {
      this.lock = await lockFolder(this.dir, opts);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err.code === 'EACCES' || err.code === 'EROFS' || err.code === 'EPERM') {
        throw new Error(`${this.dir}: read-only (${err.code}), and seeds must be computed; point LAB_DATA_DIR at a writable folder or copy the results`);
      }
      throw e;
    }
    const removed = removeDeadTemps(this.dir);
    if (removed.length > 0) opts.log(`note: removed ${removed.length} temporary file(s) of stopped runs in ${this.dir}`);
    this.writeIfChanged('config.json', JSON.stringify(this.identityRecord(), null, 2) + '\n', opts.log);
  }

  /** Release the lock (idempotent). */
  release(): void {
    this.lock?.release();
    this.lock = null;
  }

  private identityRecord() {
    const { experiment, version, hash, backend, tables, config } = this.id;
    return { experiment, version, hash, backend, tables, config };
  }

  /** Write a file of the folder unless it already holds `text`; a read-only folder gets a note, not an error. */
  private writeIfChanged(name: string, text: string, log: (l: string) => void): void {
    try {
      writeFileIfChanged(this.inside(path.join(this.dir, name)), text);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EACCES' || code === 'EROFS' || code === 'EPERM') {
        log(`note: ${this.dir} is read-only; ${name} not updated`);
        return;
      }
      throw e;
    }
  }

  /**
   * Write results.<table>.csv (every seed, with a leading seed column) and results.json,
   * each only when its content changes.
   */
  writeResults(seeds: readonly number[], units: ReadonlyMap<number, UnitRecord>, log: (l: string) => void): Tables {
    // A run killed after its last seed leaves its lock and temporary files; a run that
    // finds every seed on disk takes no lock, so they are removed here (dead holders' only).
    const unlocked = this.lock === null ? removeDeadLock(this.dir) : null;
    if (unlocked) log(unlocked);
    const removed = removeDeadTemps(this.dir);
    if (removed.length > 0) log(`note: removed ${removed.length} temporary file(s) of stopped runs in ${this.dir}`);
    const tables: Tables = {};
    for (const name of Object.keys(this.id.tables)) {
      const all: Row[] = [];
      for (const seed of seeds) for (const r of units.get(seed)!.tables[name]) all.push({ seed, ...r });
      tables[name] = all;
    }
    for (const [name, rows] of Object.entries(tables)) {
      this.writeIfChanged(`results.${name}.csv`, encodeTable(rows, withSeed(this.id.tables[name]), `${this.id.experiment} results ${name}`), log);
    }
    const provenance = seeds.map((s) => units.get(s)!.provenance);
    const distinct = (f: (p: Provenance) => string) => [...new Set(provenance.map(f))];
    const { experiment, version, hash, config } = this.id;
    this.writeIfChanged('results.json', JSON.stringify({
      experiment, version, hash, config, seeds,
      tables: Object.fromEntries(Object.entries(tables).map(([k, v]) => [k, { file: `results.${k}.csv`, rows: v.length }])),
      backends: distinct((p) => p.backend), gitCommits: distinct((p) => p.gitCommit), packageVersions: distinct((p) => p.packageVersion),
      units: provenance.map((p) => ({ seed: p.seed, createdAt: p.createdAt, durationMs: p.durationMs, backend: p.backend, gitCommit: p.gitCommit })),
    }, null, 2) + '\n', log);
    return tables;
  }

  /**
   * Backends whose folders hold this experiment, version, tables and config (computed on
   * another backend), for the hint "set LAB_BACKEND=wasm to re-render them".
   */
  otherBackends(): string[] {
    if (this.id.backend === null) return [];
    const parent = path.join(this.dataDir, this.id.experiment);
    let names: string[];
    try {
      names = fs.readdirSync(parent);
    } catch {
      return [];
    }
    const want = canonicalJson({ ...this.identityRecord(), backend: null, hash: null });
    const found = new Set<string>();
    for (const n of names) {
      if (n === this.id.hash) continue;
      try {
        const rec = JSON.parse(fs.readFileSync(path.join(parent, n, 'config.json'), 'utf8'));
        if (typeof rec.backend === 'string' && rec.backend !== this.id.backend && canonicalJson({ ...rec, backend: null, hash: null }) === want) found.add(rec.backend);
      } catch {
        // not a run folder
      }
    }
    return [...found].sort();
  }
}
