/**
 * Executors: where the units of an experiment run. One interface, two implementations:
 *
 *   local.ts   worker threads of this process (the default; nothing to start)
 *   redis.ts   BullMQ on Redis: any machine with the repository at the same commit runs
 *              `npm run worker -- --queue redis://host:port` and pulls units
 *
 * A unit is (experiment name, resolved config, hash, seed). The coordinator (the runner
 * or a sweep) hands a list of units to `run`, gets each result back the moment it is
 * finished and writes it itself, atomically, into the cache: executors never touch
 * data/. A unit's result depends only on (config, seed), so every executor gives the
 * same rows bit for bit. `run` may be called several times at once on one executor (a
 * sweep runs all its configs through one pool); `close` releases threads and
 * connections.
 *
 * Progress: done / total, rate, ETA and the workers seen so far, through `UnitProgress`.
 */
import { Progress } from '../../core/progress';
import type { BackendName } from '../../core/tf';

/** A unit's tables as it returned them (the coordinator's store checks them against the declared tables). */
export type UnitResult = unknown;

/** One unit of work: what a worker needs to compute it, and nothing else. */
export interface UnitJob {
  /** Experiment name (its folder under data/); workers find the experiment by this name. */
  experiment: string;
  /** The experiment's version, part of the hash. */
  version: number;
  /** The resolved config (plain JSON data). */
  config: object;
  /** configHash(experiment, version, config): the cache key. */
  hash: string;
  seed: number;
  /** tfjs backend the coordinator chose; every worker uses the same one, so rows agree bit for bit. */
  backend: BackendName;
}

/** A finished unit, as reported to the coordinator. */
export interface UnitOutcome {
  job: UnitJob;
  result: UnitResult;
  /** Wall time of the unit itself, in the worker. */
  ms: number;
  /** Who computed it: "thread 2", "host-a:4711/1". */
  worker: string;
}

/** Receives each finished unit; the coordinator writes it. A throw fails the run. */
export type OnResult = (outcome: UnitOutcome) => void | Promise<void>;

export interface Executor {
  /** Where units run, for log lines: "this thread", "2 worker threads", "redis://host:6379". */
  readonly description: string;
  /** Run every job; resolves when all results were delivered, rejects on the first failure. */
  run(jobs: readonly UnitJob[], onResult: OnResult): Promise<void>;
  /** Stop threads / close connections. Safe to call twice. */
  close(): Promise<void>;
}

export interface ExecutorOptions {
  /** Label of progress lines, e.g. the experiment or sweep name. */
  label: string;
  /** Where progress and notes go (default console.log). */
  log?: (line: string) => void;
  /** Minimum ms between progress lines (default 2000). */
  progressEveryMs?: number;
}

/**
 * Progress of an executor over all its runs: total grows as runs are added, and each
 * line names how many distinct workers delivered results so far.
 */
export class UnitProgress {
  private progress: Progress | null = null;
  private total = 0;
  private done = 0;
  private readonly workers = new Set<string>();

  constructor(private readonly opts: ExecutorOptions) {}

  /** Count `n` more units to do. */
  add(n: number): void {
    this.total += n;
    if (this.progress === null) this.progress = this.newProgress();
    else this.progress.setTotal(this.total);
  }

  /** One unit finished on `worker`. */
  finished(worker: string): void {
    this.workers.add(worker);
    this.done++;
    this.progress?.tick(1, 'units');
  }

  /** Distinct workers that delivered a result. */
  get workersSeen(): number {
    return this.workers.size;
  }

  get count(): { done: number; total: number } {
    return { done: this.done, total: this.total };
  }

  private newProgress(): Progress {
    return new Progress({
      label: this.opts.label,
      total: this.total,
      everyMs: this.opts.progressEveryMs ?? 2000,
      write: this.opts.log ?? ((l) => console.log(l)),
      detail: () => `workers seen: ${this.workers.size}`,
    });
  }
}

// ---------------------------------------------------------------------------------
// Results as text: JSON keeps every finite double exactly (shortest round-trip form);
// NaN and the infinities, which JSON turns into null, travel as tagged objects.

const NONFINITE = '$nonfinite';

/** JSON text of a unit's result that decodes to the same values, NaN included. */
export function encodeResult(result: UnitResult): string {
  return JSON.stringify(result, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? { [NONFINITE]: String(v) } : v));
}

/** Inverse of `encodeResult`. */
export function decodeResult(text: string): UnitResult {
  return JSON.parse(text, (_k, v) => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const keys = Object.keys(v);
      if (keys.length === 1 && keys[0] === NONFINITE) return Number(v[NONFINITE]);
    }
    return v;
  }) as UnitResult;
}

/** One call of `run`: its callbacks and how many of its units are still out. */
export interface RunState {
  onResult: OnResult;
  resolve: () => void;
  reject: (e: Error) => void;
  left: number;
  failed: boolean;
}

/** A unit waiting to run, with the call it belongs to. */
export interface Pending {
  job: UnitJob;
  run: RunState;
}
