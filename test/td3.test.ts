import * as assert from 'assert';
import { tf } from '../lib/core/tf';
import { gruForwardTape } from '../lib/policies/gru-bptt';
import { Rng } from '../lib/core/rng';
import { actorGradient, cloneTd3, criticGradient, initTd3, td3Config, td3Nets, td3Update } from '../lib/algos/td3';
import { contextInputs, currentContexts, EpisodeBatch, proximalTerm, rowWeights, smoothTargetAction, td3Target } from '../lib/algos/td3-batch';

const close = (a: number, b: number, tol: number, what = '') => assert.ok(Math.abs(a - b) <= tol, `${what} ${a} != ${b}`);

function randomBatch(E: number, T: number, rng: Rng): EpisodeBatch {
  const N = E * T;
  const u = (n: number) => Float32Array.from({ length: n }, () => rng.uniform(-1, 1));
  const valid = new Float32Array(N).fill(1);
  valid[N - 1] = 0; // the last episode ended one step early
  const done = new Float32Array(N);
  done[N - 2] = 1;
  return { E, T, obs: u(2 * N), action: u(2 * N), reward: u(N), next: u(2 * N), done, valid, task: new Int32Array(E) };
}

describe('TD3 with a recurrent context', () => {
  it('smooths the target action and clips noise and action, by hand', () => {
    // sigma eps = 0.3 (inside c = 0.5) and -0.9 (clipped to -0.5); 0.9 + 0.3 clipped to 1
    const a = smoothTargetAction([0.9, -0.2, 0.1], [1, -3, 0], 0.3, 0.5);
    close(a[0], 1, 1e-7);
    close(a[1], -0.7, 1e-7);
    close(a[2], 0.1, 1e-7);
  });

  it('computes y = r + gamma (1 - d) min(Q1\', Q2\') by hand', () => {
    const y = td3Target([1, 2, -0.5], [0, 1, 0], [3, 5, -1], [2, 7, -4], 0.9);
    close(y[0], 1 + 0.9 * 2, 1e-6);
    close(y[1], 2, 1e-6);
    close(y[2], -0.5 + 0.9 * -4, 1e-6);
  });

  it('gives the proximal term lambda/2 ||theta - ref||^2 and a gradient that matches finite differences', () => {
    const th = Float32Array.from([0.5, -1, 2]), ref = Float32Array.from([0, 1, 2]);
    const p = proximalTerm(th, ref, 0.4);
    close(p.value, 0.5 * 0.4 * (0.25 + 4), 1e-7);
    for (let i = 0; i < 3; i++) {
      const e = 1e-3, hi = Float32Array.from(th), lo = Float32Array.from(th);
      hi[i] += e;
      lo[i] -= e;
      close((proximalTerm(hi, ref, 0.4).value - proximalTerm(lo, ref, 0.4).value) / (2 * e), p.grad[i], 1e-4, `d/dtheta${i}`);
    }
    assert.throws(() => proximalTerm(th, ref.subarray(1), 1), /ref 2/);
  });

  for (const contextNets of ['shared', 'separate'] as const) {
    it(`differentiates the critic loss through the context GRU by hand-chained BPTT (${contextNets}), matching finite differences`, () => {
      const cfg = td3Config({ contextHidden: 4, hidden: [8], contextNets });
      const s = initTd3(td3Nets(2, 2, cfg), new Rng(2));
      const rng = new Rng(3);
      const b = randomBatch(2, 5, rng);
      const y = Float32Array.from({ length: 10 }, () => rng.uniform(-1, 1));
      const w = rowWeights(b, Float32Array.from({ length: 10 }, () => rng.uniform(0, 2)));
      const g = criticGradient(s, b, y, w).grad;
      const nG = s.nets.criticGru;
      for (const i of [0, 7, 40, nG - 1, nG + 3, s.critic.length - 1]) {
        const e = 1e-2, keep = s.critic[i];
        s.critic[i] = keep + e;
        const hi = criticGradient(s, b, y, w).loss;
        s.critic[i] = keep - e;
        const lo = criticGradient(s, b, y, w).loss;
        s.critic[i] = keep;
        close((hi - lo) / (2 * e), g[i], 2e-3 * (1 + Math.abs(g[i])), `critic[${i}]`);
      }
    });
  }

  for (const contextNets of ['shared', 'separate'] as const) {
    it(`differentiates the actor loss through Q_1, tanh, mu (and the actor's GRU when separate: ${contextNets}), matching finite differences`, () => {
      const cfg = td3Config({ contextHidden: 4, hidden: [8], contextNets });
      const s = initTd3(td3Nets(2, 2, cfg), new Rng(12));
      for (let i = 0; i < s.critic.length; i++) s.critic[i] *= 5; // a critic with some slope
      const rng = new Rng(13), b = randomBatch(2, 5, rng);
      const w = rowWeights(b, null);
      const zq = Float32Array.from({ length: 40 }, () => rng.uniform(-1, 1));
      const za = (st: typeof s) => {
        if (contextNets === 'shared') return { z: zq, tape: null };
        const tape = gruForwardTape(st.actor.subarray(0, st.nets.actorGru), st.nets.gru!, contextInputs(b, 2, 2), 2, 5);
        return { z: currentContexts(tape.hs, 2, 5, 4), tape };
      };
      const lossAt = () => { const c = za(s); return actorGradient(s, b, w, zq, c.z, c.tape).loss; };
      const c0 = za(s);
      const g = actorGradient(s, b, w, zq, c0.z, c0.tape).grad;
      const nG = s.nets.actorGru;
      for (const i of [...(nG > 0 ? [0, 11, nG - 1] : []), nG, nG + 5, s.actor.length - 1]) {
        const e = 3e-3, keep = s.actor[i];
        s.actor[i] = keep + e;
        const hi = lossAt();
        s.actor[i] = keep - e;
        const lo = lossAt();
        s.actor[i] = keep;
        close((hi - lo) / (2 * e), g[i], 3e-3 * (1 + Math.abs(g[i])), `actor[${i}]`);
      }
    });
  }

  it('updates the actor and the targets only every policyDelay steps, lowers the critic loss on a fixed batch and leaks no tensor', () => {
    for (const input of ['context', 'state'] as const) {
      const cfg = td3Config({ input, contextHidden: 6, hidden: [16], lr: 3e-3 });
      const s = initTd3(td3Nets(2, 2, cfg), new Rng(1));
      const rng = new Rng(4), b = randomBatch(3, 6, rng);
      td3Update(initTd3(s.nets, new Rng(9)), b, cfg, new Rng(9)); // warm-up: the explicit backward keeps one row of ones per batch size
      const before = tf.memory().numTensors;
      const actor0 = Float32Array.from(s.actor), target0 = Float32Array.from(s.criticTarget);
      const m1 = td3Update(s, b, cfg, rng);
      assert.ok(Number.isNaN(m1.piLoss));
      assert.deepStrictEqual(s.actor, actor0);
      assert.deepStrictEqual(s.criticTarget, target0);
      const m2 = td3Update(s, b, cfg, rng);
      assert.ok(Number.isFinite(m2.piLoss));
      assert.notDeepStrictEqual(s.actor, actor0);
      assert.notDeepStrictEqual(s.criticTarget, target0);
      let last = m1.qLoss;
      for (let k = 0; k < 60; k++) last = td3Update(s, b, cfg, rng).qLoss;
      assert.ok(last < m1.qLoss, `${input}: critic loss ${m1.qLoss} -> ${last}`);
      assert.strictEqual(tf.memory().numTensors, before, `${input}: tensors leaked`);
    }
  });

  it('pulls parameters toward the anchor with the proximal term and ignores rows with beta = 0', () => {
    const cfg = td3Config({ contextHidden: 4, hidden: [8] });
    const s0 = initTd3(td3Nets(2, 2, cfg), new Rng(5));
    const b = randomBatch(2, 4, new Rng(6));
    // beta = 0 everywhere: the loss gradient vanishes, only the proximal term moves theta
    const far = cloneTd3(s0);
    for (let i = 0; i < far.critic.length; i++) far.critic[i] += 0.5;
    const dist = (a: Float32Array, r: Float32Array) => a.reduce((acc, v, i) => acc + (v - r[i]) ** 2, 0);
    const d0 = dist(far.critic, s0.critic);
    for (let k = 0; k < 10; k++) td3Update(far, b, cfg, new Rng(k), { beta: new Float32Array(8), prox: { lambda: 1, critic: s0.critic, actor: s0.actor } });
    assert.ok(dist(far.critic, s0.critic) < d0, 'moved toward theta_meta');
  });

  it('rejects a history length of 0 naming the field', () => {
    assert.throws(() => td3Config({ historyLength: 0 }), /td3 config: "historyLength" must be an integer > 0, got 0/);
    assert.throws(() => td3Config({ contextNets: 'both' as never }), /"contextNets" must be one of "shared", "separate"/);
  });
});
