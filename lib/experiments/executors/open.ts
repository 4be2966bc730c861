/**
 * Which executor a run uses: `LAB_QUEUE=redis://host:port` sends units to a BullMQ queue
 * on that Redis (executors/redis.ts, loaded only then); otherwise worker threads of this
 * process (executors/local.ts), as many as LAB_WORKERS says, else one per core.
 */
import * as os from 'os';
import { ConfigError } from '../../core/config';
import { envQueue, envWorkers } from '../../core/env';
import type { BackendName } from '../../core/tf';
import type { AnyExperiment } from '../experiment';
import { Executor, ExecutorOptions } from './executor';
import { LocalExecutor } from './local';

export interface OpenOptions extends ExecutorOptions {
  /** Units at once on the local executor; 1 runs them in this thread. */
  workers: number;
  backend: BackendName;
  /** The experiment of a unit, by name (units run in this thread). */
  find: (name: string) => AnyExperiment;
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
  if (requested !== undefined && !(Number.isInteger(requested) && requested >= 1)) {
    throw new ConfigError('run options', 'workers', `must be an integer > 0, got ${requested}`);
  }
  return Math.max(1, Math.min(requested ?? envWorkers() ?? cores(), units));
}

/** The executor for one run or sweep (the caller closes it). */
export async function openExecutor(opts: OpenOptions): Promise<Executor> {
  const url = envQueue();
  if (url !== undefined) {
    const { RedisExecutor } = await import('./redis');
    return RedisExecutor.open(url, opts);
  }
  return new LocalExecutor({ ...opts, threads: opts.workers === 1 ? 0 : opts.workers });
}
