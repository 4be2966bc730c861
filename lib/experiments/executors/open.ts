/**
 * Which executor a run uses: `LAB_QUEUE=redis://host:port` sends units to a BullMQ queue
 * on that Redis (executors/redis.ts, loaded only then); otherwise worker threads of this
 * process (executors/local.ts), as many as LAB_WORKERS says, else one per core.
 */
import * as os from 'os';
import { ConfigError } from '../../core/config';
import type { BackendName } from '../../core/tf';
import type { Experiment } from '../runner';
import { Executor, ExecutorOptions } from './executor';
import { LocalExecutor } from './local';

export interface OpenOptions extends ExecutorOptions {
  /** Units at once on the local executor; 1 runs them in this thread. */
  workers: number;
  backend: BackendName;
  /** The experiment of a unit, by name (local threads). */
  find: (name: string) => Experiment<object>;
}

/** Cores of this machine. */
export function cores(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

/**
 * Threads for `units` units: `requested`, else LAB_WORKERS, else the number of cores;
 * never more than there are units.
 */
export function localWorkers(requested: number | undefined, units: number): number {
  const fromEnv = process.env.LAB_WORKERS;
  if (fromEnv !== undefined && fromEnv !== '' && !(/^\d+$/.test(fromEnv.trim()) && Number(fromEnv) >= 1)) {
    throw new ConfigError('environment', 'LAB_WORKERS', `must be an integer > 0, got ${JSON.stringify(fromEnv)}`);
  }
  if (requested !== undefined && !(Number.isInteger(requested) && requested >= 1)) {
    throw new ConfigError('run options', 'workers', `must be an integer > 0, got ${requested}`);
  }
  return Math.max(1, Math.min(requested ?? (fromEnv ? Number(fromEnv) : cores()), units));
}

/** The Redis URL of LAB_QUEUE (or null when unset), checked: redis://host:port or redis://host:port/db. */
export function queueUrlFromEnv(): string | null {
  const v = process.env.LAB_QUEUE;
  if (v === undefined || v.trim() === '') return null;
  return checkQueueUrl(v.trim(), 'LAB_QUEUE');
}

/** Check a queue URL; `what` names where it came from in the error. */
export function checkQueueUrl(url: string, what: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new ConfigError('environment', what, `must be a Redis URL such as redis://127.0.0.1:6379, got ${JSON.stringify(url)}`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw new ConfigError('environment', what, `must start with redis:// (or rediss://), got ${JSON.stringify(url)}`);
  }
  if (!u.hostname) throw new ConfigError('environment', what, `must name a host, got ${JSON.stringify(url)}`);
  if (u.pathname && u.pathname !== '/' && !/^\/\d+$/.test(u.pathname)) {
    throw new ConfigError('environment', what, `may only end in a database number (/0, /1, ...), got ${JSON.stringify(url)}`);
  }
  return url;
}

/** The executor for one run or sweep (the caller closes it). */
export async function openExecutor(opts: OpenOptions): Promise<Executor> {
  const url = queueUrlFromEnv();
  if (url !== null) {
    const { RedisExecutor } = await import('./redis');
    return RedisExecutor.open(url, opts);
  }
  return new LocalExecutor({ ...opts, threads: opts.workers === 1 ? 0 : opts.workers });
}
