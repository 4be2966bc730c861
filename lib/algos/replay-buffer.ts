/**
 * Replay buffers over typed arrays: one ring buffer of transitions per task (PEARL keeps
 * one per training task, twice: one for the actor-critic and one for the encoder's
 * context; MQL one per task too).
 *
 * A transition is a record of named fields with fixed widths, e.g.
 * `{ obs: 2, action: 2, reward: 1, sparse: 1, next: 2, done: 1 }`. Each field is one
 * Float32Array column of up to `capacity * width` values, grown by doubling as data arrives
 * (so a large capacity costs memory only when used). Adding past the capacity overwrites
 * the oldest transitions (wrap-around); sampling is uniform with replacement over the
 * transitions held (as rlkit's `random_batch`), written straight into preallocated
 * batch arrays so that a meta-batch becomes one tensor per field.
 */
import { Rng } from '../core/rng';

/** Field name -> values per transition. */
export type TransitionSpec<K extends string> = Record<K, number>;

/** A batch of transitions: field -> [rows, width] row-major. */
export type TransitionBatch<K extends string> = Record<K, Float32Array>;

export class ReplayBuffer<K extends string> {
  /** Field -> [rows allocated, width] row-major. Rows 0..size-1 hold data. */
  data: TransitionBatch<K>;
  private allocated: number;
  private readonly keys: K[];
  /** Transitions held (<= capacity). */
  size = 0;
  /** Row the next transition goes to. */
  private head = 0;
  /** Transitions ever added (including the overwritten ones). */
  added = 0;

  constructor(readonly spec: TransitionSpec<K>, readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`ReplayBuffer: capacity must be an integer >= 1, got ${capacity}`);
    this.keys = Object.keys(spec) as K[];
    if (this.keys.length === 0) throw new RangeError('ReplayBuffer: spec must name at least one field');
    for (const k of this.keys) {
      const w = spec[k];
      if (!Number.isInteger(w) || w < 1) throw new RangeError(`ReplayBuffer: width of field "${k}" must be an integer >= 1, got ${w}`);
    }
    this.allocated = Math.min(capacity, 1024);
    this.data = emptyBatch(spec, this.allocated);
  }

  /** Make room for `rows` rows (doubling, at most the capacity). */
  private reserve(rows: number): void {
    if (rows <= this.allocated) return;
    let n = this.allocated;
    while (n < rows) n *= 2;
    n = Math.min(n, this.capacity);
    const data = emptyBatch(this.spec, n);
    for (const k of this.keys) data[k].set(this.data[k]);
    this.data = data;
    this.allocated = n;
  }

  /**
   * Append n transitions (row-major per field: rows[k] holds n * width values), oldest
   * overwritten first once full.
   */
  add(rows: Record<K, ArrayLike<number>>, n: number): void {
    for (const k of this.keys) {
      const have = rows[k]?.length;
      if (have !== n * this.spec[k]) throw new RangeError(`ReplayBuffer.add: field "${k}" must hold ${n} x ${this.spec[k]} values, got ${have}`);
    }
    if (this.size < this.capacity) this.reserve(Math.min(this.capacity, this.size + n));
    for (let r = 0; r < n; r++) {
      for (const k of this.keys) {
        const w = this.spec[k], src = rows[k], dst = this.data[k];
        for (let j = 0; j < w; j++) dst[this.head * w + j] = src[r * w + j];
      }
      this.head = (this.head + 1) % this.capacity;
      if (this.size < this.capacity) this.size++;
    }
    this.added += n;
  }

  /** Forget everything (PEARL clears a task's encoder buffer before collecting fresh context). */
  clear(): void {
    this.size = 0;
    this.head = 0;
  }

  /**
   * Draw n transitions uniformly with replacement into `out` at rows [at, at + n).
   * Throws when the buffer is empty.
   */
  sampleInto(rng: Rng, n: number, out: TransitionBatch<K>, at = 0): void {
    if (this.size === 0) throw new RangeError('ReplayBuffer.sampleInto: the buffer is empty');
    for (let r = 0; r < n; r++) {
      const i = rng.int(this.size);
      for (const k of this.keys) {
        const w = this.spec[k], src = this.data[k], dst = out[k];
        const o = (at + r) * w, s = i * w;
        for (let j = 0; j < w; j++) dst[o + j] = src[s + j];
      }
    }
  }

  /** The transitions held, oldest first, as a new batch (for tests and plots). */
  contents(): TransitionBatch<K> {
    const out = emptyBatch(this.spec, this.size);
    const start = this.size < this.capacity ? 0 : this.head;
    for (let r = 0; r < this.size; r++) {
      const i = (start + r) % this.capacity;
      for (const k of this.keys) {
        const w = this.spec[k];
        out[k].set(this.data[k].subarray(i * w, (i + 1) * w), r * w);
      }
    }
    return out;
  }
}

/** A batch of `rows` zeroed transitions. */
export function emptyBatch<K extends string>(spec: TransitionSpec<K>, rows: number): TransitionBatch<K> {
  const out = {} as TransitionBatch<K>;
  for (const k of Object.keys(spec) as K[]) out[k] = new Float32Array(rows * spec[k]);
  return out;
}

/**
 * A meta-batch: n transitions from each of the tasks `taskIds` (repeats allowed), task by
 * task, so field k of the result is [taskIds.length * n, width] with task t in rows
 * [t n, (t + 1) n).
 */
export function sampleTasks<K extends string>(buffers: readonly ReplayBuffer<K>[], taskIds: readonly number[], n: number, rng: Rng, out?: TransitionBatch<K>): TransitionBatch<K> {
  if (buffers.length === 0) throw new RangeError('sampleTasks: no buffers');
  const batch = out ?? emptyBatch(buffers[0].spec, taskIds.length * n);
  taskIds.forEach((id, t) => {
    const b = buffers[id];
    if (b === undefined) throw new RangeError(`sampleTasks: no buffer for task ${id} (${buffers.length} buffers)`);
    b.sampleInto(rng, n, batch, t * n);
  });
  return batch;
}
