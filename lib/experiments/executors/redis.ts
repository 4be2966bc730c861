/**
 * The Redis executor: units go to a BullMQ queue; `npm run worker -- --queue
 * redis://host:port` on any machine with the repository at the same commit pulls them
 * (redis-worker.ts). The coordinator (runner or sweep, with LAB_QUEUE=redis://host:port)
 * stays the only writer of data/: a worker stores a finished unit's tables (gzipped JSON)
 * under a Redis key, the coordinator reads them, writes them atomically into the cache,
 * then deletes the key and the job.
 *
 * - Job id = experiment.hash.s<seed>.<build tag>: adding a unit that is already queued,
 *   running or finished does nothing, so a coordinator restarted mid-sweep finds what
 *   is still queued or running, and takes results that finished while it was away
 *   (and what it had already written comes from the cache, not the queue).
 * - A worker that dies mid-unit stops renewing its lock; BullMQ's stalled-job check (run
 *   by the other workers) puts the unit back in the queue and another worker runs it.
 *   Each job id is delivered to the cache at most once: the coordinator takes a result
 *   out of its pending set before writing it, and ignores any later report of the same id.
 * - A worker whose build (commit, package version) differs from the unit's refuses it,
 *   says why on its terminal and here, and puts it back for the other workers.
 *
 * References: BullMQ (https://docs.bullmq.io), "Stalled jobs" and "Job ids".
 */
import * as os from 'os';
import { gunzipSync } from 'zlib';
import type { Job as BullJob, Queue as BullQueue, QueueEvents as BullQueueEvents } from 'bullmq';
import type IORedis from 'ioredis';
import type { RedisOptions } from 'ioredis';
import { sha256 } from '../results';
import { Build, buildTag, currentBuild, shortBuild } from './build';
import { decodeResult, Executor, ExecutorOptions, OnResult, Pending, RunState, UnitJob, UnitProgress } from './executor';
import { queueUrl } from '../../core/env';

/** BullMQ key prefix and queue name: every key of the lab lives under "metarl:". */
export const PREFIX = 'metarl';
export const QUEUE_NAME = 'units';
/** Results wait at most this long (s) in Redis for their coordinator. */
export const RESULT_TTL_S = 7 * 24 * 3600;

/** What a job carries. */
export interface JobData extends UnitJob {
  build: Build;
  /** host:pid of the coordinator that queued it, for messages. */
  coordinator: string;
}

/** What a worker returns for a job (the tables themselves wait under `key`). */
export interface JobReturn {
  key: string;
  /** sha256 of the gzipped bytes. */
  sha256: string;
  bytes: number;
  ms: number;
  worker: string;
}

/** What a worker reports when it refuses a unit (through job progress). */
export interface Refusal {
  refused: string;
  worker: string;
}

/** ioredis options of a redis:// URL (host, port, database, user, password, TLS for rediss://). */
export function redisOptions(url: string, what = 'LAB_QUEUE'): RedisOptions {
  const u = new URL(queueUrl(url, what));
  const db = u.pathname && u.pathname !== '/' ? Number(u.pathname.slice(1)) : 0;
  return {
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port: u.port ? Number(u.port) : 6379,
    db,
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    tls: u.protocol === 'rediss:' ? {} : undefined,
  };
}

/** Redis key of a job's result. */
export function resultKey(jobId: string): string {
  return `${PREFIX}:result:${jobId}`;
}

/** The job id of a unit at a build (BullMQ ids must not contain ':' nor be integers). */
export function jobId(job: UnitJob, build: Build): string {
  return `${job.experiment.replace(/:/g, '_')}.${job.hash}.s${job.seed}.${buildTag(build)}`;
}

/** Connect and ping, or throw an error that says what to do. */
export async function reachRedis(url: string, what: string): Promise<IORedis> {
  const { default: Redis } = await import('ioredis');
  const client = new Redis({ ...redisOptions(url, what), lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 5000, retryStrategy: () => null });
  let lastError = '';
  client.on('error', (e: Error) => { lastError = e.message; });
  try {
    await client.connect();
    await client.ping();
  } catch (e) {
    client.disconnect();
    throw new Error(`${what}=${url}: cannot reach Redis (${lastError || (e as Error).message}). Start it there (README, "Sweeps on many machines"), or unset ${what} to run on this machine's threads.`);
  }
  client.disconnect();
  // The long-lived client retries on its own after a network blip.
  const live = new Redis({ ...redisOptions(url, what), maxRetriesPerRequest: null });
  live.on('error', () => undefined);
  return live;
}

export interface RedisExecutorOptions extends ExecutorOptions {
  /** How often (ms) to check the queue for results whose events were missed, and for workers. Default 3000. */
  pollMs?: number;
}

export class RedisExecutor implements Executor {
  readonly description: string;
  private readonly pending = new Map<string, Pending>();
  private readonly progress: UnitProgress;
  private readonly log: (line: string) => void;
  private readonly build = currentBuild();
  private readonly me = `${os.hostname()}:${process.pid}`;
  private readonly refusalsSeen = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private lastWorkerWarning = -Infinity;
  private closed = false;

  private constructor(private readonly url: string, private readonly queue: BullQueue, private readonly events: BullQueueEvents,
    private readonly redis: IORedis, private readonly opts: RedisExecutorOptions) {
    this.description = `the BullMQ queue at ${url}`;
    this.progress = new UnitProgress(opts);
    this.log = opts.log ?? ((l) => console.log(l));
  }

  /** Connect to the Redis at `url` (LAB_QUEUE). Throws with advice when it cannot be reached. */
  static async open(url: string, opts: RedisExecutorOptions): Promise<RedisExecutor> {
    const redis = await reachRedis(url, 'LAB_QUEUE');
    const { Queue, QueueEvents } = await import('bullmq');
    const connection = { ...redisOptions(url, 'LAB_QUEUE'), maxRetriesPerRequest: null };
    const queue = new Queue(QUEUE_NAME, { connection, prefix: PREFIX });
    const events = new QueueEvents(QUEUE_NAME, { connection, prefix: PREFIX });
    queue.on('error', () => undefined);
    events.on('error', () => undefined);
    await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
    const ex = new RedisExecutor(url, queue, events, redis, opts);
    ex.listen();
    return ex;
  }

  /** Distinct workers that delivered a result so far. */
  get workersSeen(): number {
    return this.progress.workersSeen;
  }

  async run(jobs: readonly UnitJob[], onResult: OnResult): Promise<void> {
    if (this.closed) throw new Error('redis executor: run() after close()');
    if (jobs.length === 0) return;
    let run!: RunState;
    const done = new Promise<void>((resolve, reject) => {
      run = { onResult, resolve, reject, left: jobs.length, failed: false };
    });
    const ids = jobs.map((j) => jobId(j, this.build));
    const twice = ids.find((id, i) => this.pending.has(id) || ids.indexOf(id) !== i);
    if (twice !== undefined) throw new Error(`redis executor: unit ${twice} is already running in this process`);
    ids.forEach((id, i) => this.pending.set(id, { job: jobs[i], run }));
    this.progress.add(jobs.length);
    this.startPolling();
    try {
      await this.submit(ids);
    } catch (e) {
      this.fail(run, e as Error);
    }
    return done;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    for (const p of this.pending.values()) this.fail(p.run, new Error('redis executor closed before the unit finished (it stays queued)'));
    this.pending.clear();
    await this.events.close();
    await this.queue.close();
    this.redis.disconnect();
  }

  private listen(): void {
    this.events.on('completed', ({ jobId: id, returnvalue }) => void this.complete(id, returnvalue as unknown as JobReturn));
    this.events.on('failed', ({ jobId: id, failedReason }) => this.failed(id, failedReason));
    this.events.on('progress', ({ jobId: id, data }) => {
      const d = data as unknown as Refusal;
      if (!d || typeof d !== 'object' || typeof d.refused !== 'string') return;
      const key = `${d.worker}\n${d.refused}`;
      if (this.refusalsSeen.has(key)) return;
      this.refusalsSeen.add(key);
      const p = this.pending.get(id);
      this.log(`[${this.opts.label}] worker ${d.worker} refused ${p ? `${p.job.experiment} seed ${p.job.seed}` : id}: ${d.refused}. The unit stays queued for workers at this build.`);
    });
  }

  /** Queue what is not there yet; take results that finished while no coordinator listened. */
  private async submit(ids: string[]): Promise<void> {
    const { Job } = await import('bullmq');
    const toAdd: string[] = [];
    for (const id of ids) {
      const existing: BullJob | undefined = await Job.fromId(this.queue, id);
      if (!existing) {
        toAdd.push(id);
        continue;
      }
      const state = await existing.getState();
      if (state === 'completed') void this.complete(id, existing.returnvalue as JobReturn);
      else if (state === 'failed') {
        await existing.remove();
        toAdd.push(id);
      }
      // waiting, delayed, active, prioritized: already queued or running; its result will come.
    }
    await this.add(toAdd);
    await this.warnIfNoWorkers();
  }

  private async add(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.queue.addBulk(ids.filter((id) => this.pending.has(id)).map((id) => {
      const data: JobData = { ...this.pending.get(id)!.job, build: this.build, coordinator: this.me };
      return {
        name: data.experiment,
        data,
        opts: {
          jobId: id,
          attempts: 1,
          // The coordinator removes a job once its result is written; these are for coordinators that never come back.
          removeOnComplete: { age: RESULT_TTL_S },
          removeOnFail: { age: RESULT_TTL_S },
        },
      };
    }));
  }

  private async complete(id: string, ret: JobReturn | null | undefined): Promise<void> {
    const p = this.pending.get(id);
    if (!p) return; // delivered already (an event and a poll both reported it), or not ours
    // Out of the pending set before anything async: a second report of this id is ignored.
    this.pending.delete(id);
    const { run, job } = p;
    try {
      if (!ret || typeof ret.key !== 'string') throw new Error(`job ${id} finished without a result record`);
      const gz = await this.redis.getBuffer(ret.key);
      if (gz === null) {
        // The result expired or was deleted before it was written: compute it again.
        this.pending.set(id, p);
        const j = await (await import('bullmq')).Job.fromId(this.queue, id);
        if (j) await j.remove();
        await this.add([id]);
        return;
      }
      if (sha256(gz) !== ret.sha256) throw new Error(`${ret.key}: the stored result does not match its checksum`);
      const result = decodeResult(gunzipSync(gz).toString('utf8'));
      if (run.failed) return;
      await run.onResult({ job, result, ms: ret.ms, worker: ret.worker });
      this.progress.finished(ret.worker);
      // Written: the key and the job can go (best effort; both expire on their own).
      try {
        await this.redis.del(ret.key);
        const j = await (await import('bullmq')).Job.fromId(this.queue, id);
        if (j) await j.remove();
      } catch {
        // Left for their expiry.
      }
      if (--run.left === 0) run.resolve();
    } catch (e) {
      this.fail(run, new Error(`${job.experiment} seed ${job.seed}: ${(e as Error).message}`));
    }
  }

  private failed(id: string, reason: string): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    const stalled = /stalled more than allowable limit/.test(reason) ? ' (its workers stopped while running it, too many times)' : '';
    this.fail(p.run, new Error(`${p.job.experiment} seed ${p.job.seed} failed on the queue${stalled}: ${reason}`));
  }

  private fail(run: RunState, e: Error): void {
    if (run.failed) return;
    run.failed = true;
    for (const [id, p] of this.pending) if (p.run === run) this.pending.delete(id);
    run.reject(e);
  }

  /** Every pollMs: results whose events were missed, units that vanished, and a note when no worker listens. */
  private startPolling(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.reconcile(), this.opts.pollMs ?? 3000);
    this.timer.unref();
  }

  private reconciling = false;

  private async reconcile(): Promise<void> {
    if (this.reconciling || this.closed || this.pending.size === 0) return;
    this.reconciling = true;
    try {
      const { Job } = await import('bullmq');
      const missing: string[] = [];
      for (const id of [...this.pending.keys()]) {
        const j: BullJob | undefined = await Job.fromId(this.queue, id);
        if (!this.pending.has(id)) continue;
        if (!j) missing.push(id);
        else {
          const state = await j.getState();
          if (state === 'completed') await this.complete(id, j.returnvalue as JobReturn);
          else if (state === 'failed') this.failed(id, j.failedReason);
        }
      }
      await this.add(missing);
      await this.warnIfNoWorkers();
    } catch {
      // A Redis blip: the next round tries again.
    } finally {
      this.reconciling = false;
    }
  }

  private async warnIfNoWorkers(): Promise<void> {
    if (this.pending.size === 0 || performance.now() - this.lastWorkerWarning < 60000) return;
    if ((await this.queue.getWorkersCount()) > 0) return;
    this.lastWorkerWarning = performance.now();
    this.log(`[${this.opts.label}] no worker is serving ${this.url} yet: on each machine (same build: ${shortBuild(this.build)}), run  npm run worker -- --queue ${this.url}`);
  }
}
