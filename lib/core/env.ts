/**
 * The lab's environment variables, read in one place and parsed strictly. A bad value is
 * one error naming the variable, what it accepts and what it holds:
 *
 *   LAB_WORKERS: expected a whole number from 1 to 1024 written in digits, got " 2"
 *
 * | variable       | accepts                                   | default                      |
 * |----------------|-------------------------------------------|------------------------------|
 * | LAB_SCALE      | quick, paper                              | paper                        |
 * | LAB_BACKEND    | tensorflow, wasm, cpu                     | measured at start-up         |
 * | LAB_WORKERS    | 1 ... 1024, plain digits                  | cores (at most the seeds)    |
 * | LAB_RECOMPUTE  | 1, true, yes, on / 0, false, no, off      | off                          |
 * | LAB_DATA_DIR   | a folder (created when first written)     | the repository's data/       |
 * | LAB_QUEUE      | redis://host:port[/db] (or rediss://)      | unset: this machine's threads |
 *
 * An empty value counts as unset (`LAB_WORKERS= node ...`). A relative LAB_DATA_DIR is
 * resolved against the working directory of the process that reads it; the main job and
 * `npm run lab` make it absolute before they start kernels (whose working directory is
 * the notebook's folder), so it means the folder where the user started them.
 *
 * `runExperiment` reads every variable at its start, so a typo fails at once, even when
 * every result is already on disk.
 */
import * as fs from 'fs';
import * as path from 'path';

/** The tfjs backends the lab can run on. */
export const BACKENDS = ['tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];

/** Run sizes: "quick" (tiny budgets, CI) and "paper" (the paper's sizes). */
export const SCALES = ['quick', 'paper'] as const;
export type Scale = (typeof SCALES)[number];

/** Most worker threads LAB_WORKERS may ask for. */
export const MAX_WORKERS = 1024;

/** A bad environment variable. `variable` is its name. */
export class EnvError extends Error {
  constructor(readonly variable: string, expected: string, got: string) {
    super(`${variable}: expected ${expected}, got ${JSON.stringify(got)}`);
    this.name = 'EnvError';
  }
}

export type Env = Record<string, string | undefined>;

/** The repository root (dist/lib/core/env.js -> three folders up). */
export const REPO_ROOT = path.join(__dirname, '..', '..', '..');

function value(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v === '' ? undefined : v;
}

function oneOf<T extends string>(env: Env, name: string, options: readonly T[]): T | undefined {
  const v = value(env, name);
  if (v === undefined) return undefined;
  if (!(options as readonly string[]).includes(v)) throw new EnvError(name, `one of ${options.join(', ')}`, v);
  return v as T;
}

/** LAB_SCALE (default "paper"). */
export function envScale(env: Env = process.env): Scale {
  return oneOf(env, 'LAB_SCALE', SCALES) ?? 'paper';
}

/** LAB_BACKEND, or undefined to let the lab measure. */
export function envBackend(env: Env = process.env): BackendName | undefined {
  return oneOf(env, 'LAB_BACKEND', BACKENDS);
}

/** LAB_WORKERS, or undefined for the default. Plain decimal digits only: no sign, space, 0x, exponent or fraction. */
export function envWorkers(env: Env = process.env): number | undefined {
  const v = value(env, 'LAB_WORKERS');
  if (v === undefined) return undefined;
  const expected = `a whole number from 1 to ${MAX_WORKERS} written in digits`;
  if (!/^[1-9][0-9]{0,3}$/.test(v) || Number(v) > MAX_WORKERS) throw new EnvError('LAB_WORKERS', expected, v);
  return Number(v);
}

const TRUE = ['1', 'true', 'yes', 'on'];
const FALSE = ['0', 'false', 'no', 'off'];

/** LAB_RECOMPUTE as a switch (default off). Case-insensitive. */
export function envRecompute(env: Env = process.env): boolean {
  const v = value(env, 'LAB_RECOMPUTE');
  if (v === undefined) return false;
  const low = v.toLowerCase();
  if (TRUE.includes(low)) return true;
  if (FALSE.includes(low)) return false;
  throw new EnvError('LAB_RECOMPUTE', `one of ${[...TRUE, ...FALSE].join(', ')}`, v);
}

/** Where results go, and who said so (for error messages). */
export interface DataDir {
  /** Absolute path. */
  dir: string;
  /** "LAB_DATA_DIR", or "the default data/" */
  source: string;
}

/**
 * LAB_DATA_DIR as an absolute folder (default: the repository's data/). A relative value
 * is resolved against `cwd`. The folder need not exist yet; a file or a path through a
 * file is an error naming the variable.
 */
export function envDataDir(env: Env = process.env, cwd: string = process.cwd()): DataDir {
  const v = value(env, 'LAB_DATA_DIR');
  if (v === undefined) return { dir: path.join(REPO_ROOT, 'data'), source: 'the default data/' };
  if (v.includes('\0')) throw new EnvError('LAB_DATA_DIR', 'a folder path', v);
  const dir = path.resolve(cwd, v);
  checkFolder(dir, 'LAB_DATA_DIR', v);
  return { dir, source: 'LAB_DATA_DIR' };
}

/** Throws EnvError (naming `name`) when `dir`, or the nearest existing path above it, is not a folder. */
export function checkFolder(dir: string, name: string, raw: string): void {
  for (let p = dir; ; p = path.dirname(p)) {
    let st: fs.Stats;
    try {
      st = fs.statSync(p);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if ((code === 'ENOENT' || code === 'ENOTDIR') && path.dirname(p) !== p) continue;
      throw new EnvError(name, `a folder this process can reach (${code} on ${p})`, raw);
    }
    if (!st.isDirectory()) throw new EnvError(name, `a folder, but ${p} is a file`, raw);
    return;
  }
}

/** Every variable, parsed: what `runExperiment` and the main job check first. */
/**
 * A Redis URL for the queue executor: redis://host:port, with an optional database number
 * (/0, /1, ...), user and password, or rediss:// for TLS. `variable` names where it came
 * from in the error (LAB_QUEUE, or the worker's --queue).
 */
export function queueUrl(raw: string, variable: string): string {
  const expected = 'a Redis URL such as redis://127.0.0.1:6379 (redis:// or rediss://, host, optional :port and /db)';
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new EnvError(variable, expected, raw);
  }
  if ((u.protocol !== 'redis:' && u.protocol !== 'rediss:') || !u.hostname || (u.pathname !== '' && u.pathname !== '/' && !/^\/\d+$/.test(u.pathname)) || u.search || u.hash) {
    throw new EnvError(variable, expected, raw);
  }
  return raw;
}

/** LAB_QUEUE, or undefined to run on this machine's worker threads. */
export function envQueue(env: Env = process.env): string | undefined {
  const v = value(env, 'LAB_QUEUE');
  return v === undefined ? undefined : queueUrl(v, 'LAB_QUEUE');
}

export interface LabEnv {
  scale: Scale;
  backend: BackendName | undefined;
  workers: number | undefined;
  recompute: boolean;
  dataDir: DataDir;
  /** Redis URL of the queue executor, or undefined for local threads. */
  queue: string | undefined;
}

/** Parse every LAB_ variable; throws the first EnvError. */
export function labEnv(env: Env = process.env, cwd: string = process.cwd()): LabEnv {
  return {
    scale: envScale(env),
    backend: envBackend(env),
    workers: envWorkers(env),
    recompute: envRecompute(env),
    dataDir: envDataDir(env, cwd),
    queue: envQueue(env),
  };
}
