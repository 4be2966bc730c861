/**
 * The worker side of the Redis executor (`npm run worker -- --queue redis://host:port`):
 * a BullMQ worker that pulls units and computes them on worker threads of this process
 * (the local executor), so the main thread stays free to renew job locks however long a
 * unit computes.
 *
 * For each unit it checks, before computing anything, that
 *   - the unit was built by this worker's commit and package version (executors/build.ts),
 *   - it names an experiment of this checkout, whose version and config give the unit's hash;
 * otherwise it refuses the unit: it says why on its terminal and to the coordinator, and
 * puts the unit back in the queue (delayed a little) for the workers at the right build.
 * A unit that throws fails for good (units are deterministic: a retry would throw again).
 * Finished tables are stored gzipped under a Redis key for the coordinator to write.
 */
import * as os from 'os';
import { gzipSync } from 'zlib';
import type { Job as BullJob, Worker as BullWorker } from 'bullmq';
import type IORedis from 'ioredis';
import { formatDuration } from '../../core/progress';
import type { BackendName } from '../../core/tf';
import { runIdentity } from '../experiment';
import { getExperiment } from '../registry';
import { sha256 } from '../results';
import { Build, buildMismatch, currentBuild, shortBuild } from './build';
import { encodeResult, UnitOutcome } from './executor';
import { LocalExecutor } from './local';
import { JobData, JobReturn, PREFIX, QUEUE_NAME, reachRedis, redisOptions, Refusal, RESULT_TTL_S, resultKey } from './redis';

export interface ServeOptions {
  /** Units computed at once, each on its own thread (default: the cores of this machine). */
  threads: number;
  /** BullMQ lock duration (ms): a unit whose worker stops renewing its lock this long counts as stalled. Default 30000. */
  lockMs?: number;
  /** How often (ms) this worker looks for stalled units of dead workers. Default 30000. */
  stalledMs?: number;
  /** How many times a unit may stall (its worker died) before it fails. Default 3. */
  maxStalled?: number;
  /** Delay (ms) before a refused unit is offered again. Default 2000. */
  refuseDelayMs?: number;
  /** Where lines go (default console.log). */
  log?: (line: string) => void;
  /** This worker's name in messages (default host:pid). */
  name?: string;
  /** This worker's build (default: this checkout's). */
  build?: Build;
}

export interface QueueWorker {
  readonly name: string;
  /** Stop taking units; with `force`, abandon running ones (they stall and go to another worker). */
  close(force?: boolean): Promise<void>;
}

/** Why this worker must not run `data`, or null. */
export function refusalReason(data: JobData, mine: Build): string | null {
  if (!data || typeof data !== 'object' || typeof data.experiment !== 'string' || typeof data.hash !== 'string' || !data.build) {
    return 'the job is not a unit of this lab (no experiment, hash or build)';
  }
  const built = buildMismatch(data.build, mine);
  if (built) return `${built}. Check out ${data.build.commit.split('+')[0]} here (git checkout, npm ci), then restart this worker`;
  let exp;
  try {
    exp = getExperiment(data.experiment);
  } catch (e) {
    return `${(e as Error).message}; only the lab's own experiments run on the queue`;
  }
  const hash = runIdentity(exp, data.config, data.backend).hash;
  if (hash !== data.hash) return `its run identity hashes to ${hash} here (experiment version ${exp.version}), not ${data.hash}`;
  return null;
}

/** Serve the queue at `url` until closed. */
export async function serveQueue(url: string, opts: ServeOptions): Promise<QueueWorker> {
  const log = opts.log ?? ((l: string) => console.log(l));
  const name = opts.name ?? `${os.hostname()}:${process.pid}`;
  const build = opts.build ?? currentBuild();
  const say = (l: string) => log(`[worker ${name}] ${l}`);
  const redis: IORedis = await reachRedis(url, '--queue');
  const { Worker, DelayedError, UnrecoverableError } = await import('bullmq');
  const pools = new Map<BackendName, LocalExecutor>();
  const pool = (backend: BackendName) => {
    let p = pools.get(backend);
    if (!p) {
      p = new LocalExecutor({ threads: opts.threads, backend, find: getExperiment, label: name, log: () => undefined });
      pools.set(backend, p);
    }
    return p;
  };
  const refusedOnce = new Set<string>();

  const processor = async (job: BullJob, token?: string): Promise<JobReturn> => {
    const data = job.data as JobData;
    const what = `${data?.experiment} seed ${data?.seed} (${job.id})`;
    const why = refusalReason(data, build);
    if (why !== null) {
      if (!refusedOnce.has(why)) {
        refusedOnce.add(why);
        say(`refusing ${what}: ${why}`);
      }
      const refusal: Refusal = { refused: why, worker: name };
      await job.updateProgress(refusal as unknown as object);
      await job.moveToDelayed(Date.now() + (opts.refuseDelayMs ?? 2000), token);
      throw new DelayedError();
    }
    say(`start ${what}`);
    let outcome: UnitOutcome | undefined;
    try {
      await pool(data.backend).run([data], (o) => { outcome = o; });
    } catch (e) {
      say(`failed ${what}: ${(e as Error).message.split('\n')[0]}`);
      throw new UnrecoverableError((e as Error).message);
    }
    const gz = gzipSync(Buffer.from(encodeResult(outcome!.result), 'utf8'));
    const key = resultKey(job.id!);
    await redis.set(key, gz, 'EX', RESULT_TTL_S);
    say(`done ${what} in ${formatDuration(outcome!.ms)}`);
    return { key, sha256: sha256(gz), bytes: gz.length, ms: outcome!.ms, worker: name };
  };

  const worker: BullWorker = new Worker(QUEUE_NAME, processor, {
    connection: { ...redisOptions(url, '--queue'), maxRetriesPerRequest: null },
    prefix: PREFIX,
    concurrency: opts.threads,
    lockDuration: opts.lockMs ?? 30000,
    stalledInterval: opts.stalledMs ?? 30000,
    maxStalledCount: opts.maxStalled ?? 3,
    name,
  });
  worker.on('error', (e) => say(`queue error: ${e.message}`));
  worker.on('stalled', (id) => say(`unit ${id} stalled (its worker stopped); back in the queue`));
  await worker.waitUntilReady();
  say(`serving ${url} on ${opts.threads} thread(s); build ${shortBuild(build)}, package ${build.packageVersion}; lock ${formatDuration(opts.lockMs ?? 30000)}`);

  let closed = false;
  return {
    name,
    async close(force = false) {
      if (closed) return;
      closed = true;
      await worker.close(force);
      await Promise.all([...pools.values()].map((p) => p.close()));
      redis.disconnect();
    },
  };
}
