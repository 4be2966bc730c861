import * as assert from 'assert';
import { Rng } from '../lib/core/rng';
import { emptyBatch, ReplayBuffer, sampleTasks } from '../lib/algos/replay-buffer';

describe('replay buffer', () => {
  const spec = { obs: 2, r: 1 };
  const rows = (from: number, n: number) => ({
    obs: Float32Array.from({ length: 2 * n }, (_, i) => from + Math.floor(i / 2) + (i % 2) * 0.5),
    r: Float32Array.from({ length: n }, (_, i) => from + i),
  });

  it('wraps around: past the capacity the oldest transitions are overwritten', () => {
    const b = new ReplayBuffer(spec, 4);
    b.add(rows(0, 3), 3);
    assert.strictEqual(b.size, 3);
    b.add(rows(3, 3), 3); // 0..5 added, capacity 4: holds 2, 3, 4, 5
    assert.strictEqual(b.size, 4);
    assert.strictEqual(b.added, 6);
    const c = b.contents();
    assert.deepStrictEqual(Array.from(c.r), [2, 3, 4, 5]);
    assert.deepStrictEqual(Array.from(c.obs), [2, 2.5, 3, 3.5, 4, 4.5, 5, 5.5]);
  });

  it('grows its arrays by doubling up to the capacity and keeps the data', () => {
    const b = new ReplayBuffer(spec, 5000);
    b.add(rows(0, 3000), 3000);
    assert.strictEqual(b.data.r.length, 4096); // 1024 -> 2048 -> 4096
    assert.deepStrictEqual(Array.from(b.contents().r.subarray(2995)), [2995, 2996, 2997, 2998, 2999]);
    b.add(rows(3000, 2500), 2500);
    assert.strictEqual(b.data.r.length, 5000);
    assert.strictEqual(b.contents().r[0], 500);
  });

  it('samples only stored transitions, with fields kept together, task by task', () => {
    const a = new ReplayBuffer(spec, 10), c = new ReplayBuffer(spec, 10);
    a.add(rows(0, 4), 4);
    c.add(rows(100, 4), 4);
    const batch = sampleTasks([a, c], [1, 0, 1], 50, new Rng(3));
    assert.strictEqual(batch.r.length, 150);
    for (let i = 0; i < 150; i++) {
      const r = batch.r[i];
      assert.ok(i < 50 || i >= 100 ? r >= 100 && r < 104 : r >= 0 && r < 4, `row ${i}: ${r}`);
      assert.strictEqual(batch.obs[2 * i], r);
      assert.strictEqual(batch.obs[2 * i + 1], r + 0.5);
    }
    a.clear();
    assert.throws(() => a.sampleInto(new Rng(0), 1, emptyBatch(spec, 1)), /empty/);
  });

  it('rejects rows of the wrong width naming the field', () => {
    const b = new ReplayBuffer(spec, 4);
    assert.throws(() => b.add({ obs: new Float32Array(3), r: new Float32Array(2) }, 2), /field "obs" must hold 2 x 2 values, got 3/);
  });
});
