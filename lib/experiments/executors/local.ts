/**
 * The local executor: units run on Node's worker threads of this process, one unit per
 * thread at a time (`threads: 0` runs them in this thread, one after another). Threads
 * start when there is work and live until `close`, so a sweep's many configs share one
 * pool. Nothing to install or start: this is the default.
 *
 * Each thread (../worker.ts) loads the tfjs backend the coordinator chose and the modules
 * that registered experiments here, finds the experiment by name in the registry (a
 * message never names a module) and runs `unit(config, seed)`; its tables come back by
 * structured clone, so they are the very numbers a serial run gives.
 */
import * as path from 'path';
import { Worker } from 'worker_threads';
import type { BackendName } from '../../core/tf';
import type { AnyExperiment } from '../experiment';
import { registeredModules } from '../registry';
import { Executor, ExecutorOptions, OnResult, Pending, RunState, UnitJob, UnitProgress, UnitResult } from './executor';

export interface LocalExecutorOptions extends ExecutorOptions {
  /** Worker threads; 0 runs units in this thread, one after another. */
  threads: number;
  /** tfjs backend every thread loads. */
  backend: BackendName;
  /** The experiment of a unit, by name, for units run in this thread (threads use the registry). */
  find: (name: string) => AnyExperiment;
}

interface Thread {
  id: number;
  worker: Worker;
  busy: Pending | null;
}

interface ThreadReply {
  seed: number;
  tables?: UnitResult;
  ms?: number;
  error?: string;
}

const THREAD_SCRIPT = path.join(__dirname, '..', 'worker.js');

export class LocalExecutor implements Executor {
  readonly description: string;
  private readonly queue: Pending[] = [];
  private readonly threads: Thread[] = [];
  private readonly progress: UnitProgress;
  private nextThreadId = 1;
  private inThreadBusy = false;
  private closed = false;

  constructor(private readonly opts: LocalExecutorOptions) {
    if (!Number.isInteger(opts.threads) || opts.threads < 0) throw new RangeError(`local executor: threads must be an integer >= 0, got ${opts.threads}`);
    this.description = opts.threads === 0 ? 'this thread' : `${opts.threads} worker thread${opts.threads === 1 ? '' : 's'}`;
    this.progress = new UnitProgress(opts);
  }

  /** Distinct threads that delivered a result so far. */
  get workersSeen(): number {
    return this.progress.workersSeen;
  }

  run(jobs: readonly UnitJob[], onResult: OnResult): Promise<void> {
    if (this.closed) return Promise.reject(new Error('local executor: run() after close()'));
    if (jobs.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const run: RunState = { onResult, resolve, reject, left: jobs.length, failed: false };
      for (const job of jobs) this.queue.push({ job, run });
      this.progress.add(jobs.length);
      this.schedule();
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const dropped = this.queue.splice(0);
    for (const p of dropped) this.fail(p.run, new Error('local executor closed before the unit ran'));
    await Promise.all(this.threads.splice(0).map((t) => t.worker.terminate()));
  }

  private schedule(): void {
    if (this.closed) return;
    if (this.opts.threads === 0) {
      void this.drainInThisThread();
      return;
    }
    for (;;) {
      this.dropFailed();
      if (this.queue.length === 0) return;
      let t = this.threads.find((x) => x.busy === null);
      if (!t && this.threads.length < this.opts.threads) t = this.spawn();
      if (!t) return;
      const p = this.queue.shift()!;
      t.busy = p;
      t.worker.postMessage({ experiment: p.job.experiment, config: p.job.config, seed: p.job.seed });
    }
  }

  /** Queued units of runs that already failed are not started. */
  private dropFailed(): void {
    for (let i = this.queue.length - 1; i >= 0; i--) if (this.queue[i].run.failed) this.queue.splice(i, 1);
  }

  private findOrFail(p: Pending): AnyExperiment | null {
    try {
      return this.opts.find(p.job.experiment);
    } catch (e) {
      this.fail(p.run, e as Error);
      return null;
    }
  }

  private spawn(): Thread {
    const workerData = { backend: this.opts.backend, modules: registeredModules() };
    const t: Thread = { id: this.nextThreadId++, worker: new Worker(THREAD_SCRIPT, { workerData }), busy: null };
    this.threads.push(t);
    t.worker.on('message', (m: ThreadReply | { log: string }) => {
      if ('log' in m) {
        (this.opts.log ?? ((l: string) => console.log(l)))(m.log);
        return;
      }
      const p = t.busy;
      t.busy = null;
      if (p) void this.deliver(p, m, `thread ${t.id}`);
      this.schedule();
    });
    const died = (why: string) => {
      const i = this.threads.indexOf(t);
      if (i < 0) return;
      this.threads.splice(i, 1);
      const p = t.busy;
      t.busy = null;
      if (p) this.fail(p.run, new Error(`${p.job.experiment} seed ${p.job.seed}: worker thread ${t.id} ${why}`));
      this.schedule();
    };
    t.worker.on('error', (e) => died(`crashed: ${e.message}`));
    t.worker.on('exit', (code) => died(`exited with code ${code}`));
    return t;
  }

  private async drainInThisThread(): Promise<void> {
    if (this.inThreadBusy) return;
    this.inThreadBusy = true;
    try {
      for (;;) {
        this.dropFailed();
        const p = this.queue.shift();
        if (!p || this.closed) return;
        const exp = this.findOrFail(p);
        if (!exp) continue;
        let reply: ThreadReply;
        try {
          const t0 = performance.now();
          const tables = await exp.unit(p.job.config, p.job.seed) as UnitResult;
          reply = { seed: p.job.seed, tables, ms: performance.now() - t0 };
        } catch (e) {
          const err = e as Error;
          reply = { seed: p.job.seed, error: `${err.message}\n${err.stack ?? ''}` };
        }
        await this.deliver(p, reply, 'this thread');
        // Let the notebook's event loop breathe (progress output, interrupts) between units.
        await new Promise((r) => setImmediate(r));
      }
    } finally {
      this.inThreadBusy = false;
    }
  }

  private async deliver(p: Pending, m: ThreadReply, worker: string): Promise<void> {
    const run = p.run;
    if (run.failed) return;
    if (m.error !== undefined) {
      this.fail(run, new Error(`${p.job.experiment} seed ${p.job.seed} failed in ${worker === 'this thread' ? 'this thread' : `worker ${worker}`}: ${m.error}`));
      return;
    }
    try {
      await run.onResult({ job: p.job, result: m.tables ?? {}, ms: m.ms ?? 0, worker });
    } catch (e) {
      this.fail(run, e as Error);
      return;
    }
    this.progress.finished(worker);
    if (--run.left === 0) run.resolve();
  }

  private fail(run: RunState, e: Error): void {
    if (run.failed) return;
    run.failed = true;
    run.reject(e);
  }
}
