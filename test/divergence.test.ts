import * as assert from 'assert';
import { divergenceConfig, DivergenceEstimator, divergenceMatrix, divergenceSample, DIVERGENCE_ESTIMATORS, policyDivergence, statesByPolicy } from '../lib/divergence/policy-divergence';
import { jensenShannon, jensenShannonDistance, klDivergence, normalize, rowwiseJensenShannon, symmetricKl } from '../lib/divergence/jensen';
import { density } from '../lib/divergence/kde';
import { actionProbs, initConfig, initParams, PAPER_POLICY } from '../lib/policies/softmax-mlp';
import { Rng } from '../lib/core/rng';
import { rolloutPaired, TrajectoryBatch } from '../lib/policies/rollout';
import { testbed, testbedConfig } from '../lib/envs/testbed';
import { tf } from '../lib/core/tf';
import { trainPerType } from '../lib/algos/train';
import { vpgConfig } from '../lib/algos/vpg';

const LN2 = Math.log(2);

function close(actual: number, expected: number, tol: number, what = ''): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: got ${actual}, expected ${expected} (tol ${tol})`);
}

/** A random probability vector of length n, sometimes with exact zeros. */
function randomDist(n: number, rng: Rng): Float64Array {
  const p = Float64Array.from({ length: n }, () => (rng.random() < 0.2 ? 0 : rng.random()));
  if (p.every((v) => v === 0)) p[rng.int(n)] = 1;
  return normalize(p);
}

describe('Jensen-Shannon and KL divergences', () => {
  it('match hand-computed values', () => {
    close(jensenShannon([1, 0], [0, 1]), LN2, 1e-15, 'disjoint supports');
    // m = (0.75, 0.25): KL(p||m) = 1/2 ln(4/3), KL(q||m) = ln(4/3), JS = 3/4 ln(4/3).
    close(jensenShannon([0.5, 0.5], [1, 0]), 0.75 * Math.log(4 / 3), 1e-15, 'half vs point');
    // Unnormalised inputs are taken as given: JS(c x, c y) = c JS(x, y).
    close(jensenShannon([2, 0], [0, 2]), 2 * LN2, 1e-15, 'scaled disjoint');
    close(jensenShannon([1, 0], [0, 0]), 0.5 * LN2, 1e-15, 'against zero');
    // KL(p||q) = 1/2 ln 2 + 1/2 ln(2/3), KL(q||p) = 1/4 ln(1/2) + 3/4 ln(3/2).
    const kpq = 0.5 * Math.log(4 / 3), kqp = 0.25 * Math.log(0.5) + 0.75 * Math.log(1.5);
    close(klDivergence([0.5, 0.5], [0.25, 0.75]), kpq, 1e-15, 'KL');
    close(symmetricKl([0.5, 0.5], [0.25, 0.75]), (kpq + kqp) / 2, 1e-15, 'symmetric KL');
    assert.strictEqual(klDivergence([0.5, 0.5], [1, 0]), Infinity);
    // Rounding on nearly equal distributions must not give a (tiny) negative KL...
    const p = normalize([0.1, 0.2, 0.3, 0.4]), q = Float64Array.from(p, (x, i) => x + (i === 0 ? 1e-17 : 0));
    assert.ok(klDivergence(p, q) >= 0 && symmetricKl(p, q) >= 0);
    // ...while unnormalised vectors keep their genuinely negative value.
    assert.ok(klDivergence([0.1], [0.2]) < 0);
    close(jensenShannonDistance([1, 0], [0, 1]), Math.sqrt(LN2), 1e-15, 'JS distance');
  });

  it('are symmetric, zero on identical inputs and at most ln 2 for distributions', () => {
    const rng = new Rng(1);
    for (let t = 0; t < 300; t++) {
      const p = randomDist(4, rng), q = randomDist(4, rng);
      const js = jensenShannon(p, q);
      assert.strictEqual(js, jensenShannon(q, p));
      assert.ok(js >= 0 && js <= LN2 + 1e-15, `JS ${js}`);
      assert.strictEqual(jensenShannon(p, p), 0);
      assert.strictEqual(symmetricKl(p, q), symmetricKl(q, p));
    }
  });

  it('sqrt(JS) obeys the triangle inequality on random triples', () => {
    const rng = new Rng(2);
    for (let t = 0; t < 2000; t++) {
      const n = 2 + rng.int(5);
      const [p, q, r] = [randomDist(n, rng), randomDist(n, rng), randomDist(n, rng)];
      const pq = jensenShannonDistance(p, q), qr = jensenShannonDistance(q, r), pr = jensenShannonDistance(p, r);
      assert.ok(pr <= pq + qr + 1e-12, `triple ${t}: ${pr} > ${pq} + ${qr}`);
    }
  });

  it('computes row-wise JS equal to JS of each row', () => {
    const rng = new Rng(3);
    const p = new Float64Array(20), q = new Float64Array(20);
    for (let n = 0; n < 5; n++) {
      p.set(randomDist(4, rng), 4 * n);
      q.set(randomDist(4, rng), 4 * n);
    }
    const rows = rowwiseJensenShannon(p, q, 4);
    for (let n = 0; n < 5; n++) assert.strictEqual(rows[n], jensenShannon(p.subarray(4 * n, 4 * n + 4), q.subarray(4 * n, 4 * n + 4)));
  });
});

describe('Policy divergence (Algorithm 1)', () => {
  const spec = PAPER_POLICY;
  const bed = testbed(testbedConfig());
  // A on type 0 (latent group 0), B on type 12 (latent group 3), both from one start.
  let A: Float32Array, B: Float32Array;
  // tau' of [A, A, B] on [0, 0, 12]: the second A is a clone with its own fresh trajectories.
  let states: Float32Array[];

  before(function () {
    this.timeout(60000);
    const theta0 = initParams(spec, new Rng(1));
    [A, B] = trainPerType([theta0, theta0], [0, 12], 10, 10, vpgConfig(), bed.dyn, spec, new Rng(2)).thetas;
    states = statesByPolicy(rolloutPaired([A, A, B], [0, 0, 12], 3, bed.dyn, spec, new Rng(3)));
  });

  it('groups the visited states of a batch by policy', () => {
    const T = 2;
    const batch: TrajectoryBatch = {
      B: 3, T,
      states: Float32Array.from({ length: 3 * (T + 1) * 2 }, (_, i) => i),
      actions: new Uint8Array(3 * T), rewards: new Float32Array(3 * T),
      mask: Uint8Array.of(1, 1, 1, 0, 1, 1),
      lengths: Int32Array.of(2, 1, 2),
      typeOf: new Int32Array(3), policyOf: Int32Array.of(0, 1, 0),
    };
    const out = statesByPolicy(batch);
    // Policy 0: rows 0 and 2, s_0..s_2 each; policy 1: row 1, s_0..s_1.
    assert.deepStrictEqual(Array.from(out[0]), [0, 1, 2, 3, 4, 5, 12, 13, 14, 15, 16, 17]);
    assert.deepStrictEqual(Array.from(out[1]), [6, 7, 8, 9]);
    assert.throws(() => statesByPolicy(batch, 3), /statesByPolicy: policy 2 has no rows in the batch/);
  });

  it("'literal' equals the paper's sum computed plainly with jensen.ts", () => {
    const sample = divergenceSample([A, A, B], states, divergenceConfig({ samples: 80 }), spec, new Rng(4));
    const D = divergenceMatrix(sample, 'literal');
    const q = density(sample.pooled, sample.states);
    const qi = sample.kdes.map((k) => density(k, sample.states));
    const pi = [A, A, B].map((t) => actionProbs(t, sample.states, spec));
    for (const [i, j] of [[0, 1], [0, 2], [1, 2]]) {
      let ref = 0;
      for (let s = 0; s < 80; s++) {
        const rho = (k: number) => Array.from(pi[k].subarray(4 * s, 4 * s + 4), (p) => p * qi[k][s]); // Alg. 1, l.13
        ref += jensenShannon(rho(i), rho(j)) * q[s]; // Alg. 1, l.16
      }
      close(D[i * 3 + j], ref, 1e-5 * ref, `D[${i}][${j}]`);
    }
  });

  it("'policy' is paper 001's d_P: the mean of sqrt JS of the action distributions, a metric", () => {
    const thetas = [A, B, initParams(spec, new Rng(7), initConfig({ outputScale: 1 })), initParams(spec, new Rng(8), initConfig({ outputScale: 1 }))];
    const st = [states[0], states[2], states[1], states[2]];
    const sample = divergenceSample(thetas, st, divergenceConfig({ samples: 60 }), spec, new Rng(5));
    const D = divergenceMatrix(sample, 'policy');
    const pi = thetas.map((t) => actionProbs(t, sample.states, spec));
    let ref = 0;
    for (let s = 0; s < 60; s++) ref += jensenShannonDistance(pi[0].subarray(4 * s, 4 * s + 4), pi[1].subarray(4 * s, 4 * s + 4)) / 60;
    close(D[1], ref, 1e-5 * ref, 'D[0][1]');
    for (let i = 0; i < 4; i++) {
      for (let j = 0; j < 4; j++) {
        assert.ok(D[i * 4 + j] <= Math.sqrt(LN2));
        for (let k = 0; k < 4; k++) assert.ok(D[i * 4 + k] <= D[i * 4 + j] + D[j * 4 + k] + 1e-9, `triangle ${i} ${j} ${k}`);
      }
    }
  });

  it("'occupancy' is one JS between self-normalised importance-weighted occupancy measures", () => {
    const sample = divergenceSample([A, A, B], states, divergenceConfig({ samples: 80 }), spec, new Rng(6));
    const D = divergenceMatrix(sample, 'occupancy');
    const q = density(sample.pooled, sample.states);
    const rho = [A, A, B].map((t, i) => {
      const pi = actionProbs(t, sample.states, spec), qi = density(sample.kdes[i], sample.states);
      const w = normalize(Array.from(qi, (v, s) => v / q[s]));
      return normalize(Array.from(pi, (p, k) => p * w[k >> 2]));
    });
    for (const [i, j] of [[0, 1], [0, 2], [1, 2]]) {
      const ref = jensenShannon(rho[i], rho[j]);
      close(D[i * 3 + j], ref, 1e-5 * ref, `D[${i}][${j}]`);
      assert.ok(D[i * 3 + j] <= LN2);
    }
  });

  it('gives a symmetric matrix with a zero diagonal under every estimator', () => {
    const thetas = [A, A, B, initParams(spec, new Rng(9), initConfig({ outputScale: 1 }))];
    const st = [states[0], states[1], states[2], states[1]];
    const sample = divergenceSample(thetas, st, divergenceConfig({ samples: 100 }), spec, new Rng(10));
    for (const est of DIVERGENCE_ESTIMATORS) {
      const D = divergenceMatrix(sample, est);
      for (let i = 0; i < 4; i++) {
        assert.strictEqual(D[i * 4 + i], 0, `${est}: D[${i}][${i}]`);
        for (let j = 0; j < 4; j++) {
          assert.strictEqual(D[i * 4 + j], D[j * 4 + i], `${est}: D[${i}][${j}]`);
          assert.ok(Number.isFinite(D[i * 4 + j]) && D[i * 4 + j] >= 0);
        }
      }
    }
  });

  it('is exactly zero between a policy and its clone on the same trajectories', () => {
    for (const estimator of DIVERGENCE_ESTIMATORS) {
      const { D } = policyDivergence([A, A.slice(), B], [states[0], states[0].slice(), states[2]], divergenceConfig({ estimator, samples: 300 }), spec, new Rng(11));
      assert.strictEqual(D[1], 0, estimator);
      assert.ok(D[2] > 0, estimator);
    }
  });

  it('is larger between policies trained on different latent groups than between clones with fresh trajectories', () => {
    for (const estimator of DIVERGENCE_ESTIMATORS) {
      const { D } = policyDivergence([A, A, B], states, divergenceConfig({ estimator, samples: 500 }), spec, new Rng(12));
      const clones = D[0 * 3 + 1], across = Math.min(D[0 * 3 + 2], D[1 * 3 + 2]);
      assert.ok(across > clones, `${estimator}: A-B ${across} vs A-A' ${clones}`);
    }
  });

  it('is a function of the seed, and every estimator reads the same sample', () => {
    const a = policyDivergence([A, A, B], states, divergenceConfig({ samples: 200, estimator: 'occupancy' }), spec, new Rng(13));
    const b = policyDivergence([A, A, B], states, divergenceConfig({ samples: 200, estimator: 'occupancy' }), spec, new Rng(13));
    assert.deepStrictEqual(a.D, b.D);
    assert.deepStrictEqual(divergenceMatrix(a.sample, 'occupancy'), a.D);
    assert.strictEqual(a.config.kde.bandwidth, 'scott');
    assert.strictEqual(a.sample.states.length, 400);
  });

  it('leaks no tfjs tensors', () => {
    policyDivergence([A, B], [states[0], states[2]], divergenceConfig({ samples: 50 }), spec, new Rng(14));
    const before = tf.memory().numTensors;
    for (let r = 0; r < 5; r++) policyDivergence([A, A, B], states, divergenceConfig({ samples: 100 }), spec, new Rng(15 + r));
    assert.strictEqual(tf.memory().numTensors, before);
  });

  it('rejects bad settings and inputs, naming the field', () => {
    assert.throws(() => divergenceConfig({ estimator: 'kl' as DivergenceEstimator }),
      /divergence config: "estimator" must be one of "literal", "policy", "occupancy", got "kl"/);
    assert.throws(() => divergenceConfig({ samples: 0 }), /divergence config: "samples" must be an integer > 0, got 0/);
    assert.throws(() => divergenceConfig({ kde: { minStd: -1 } }), /divergence config: "kde.minStd" must be a finite number > 0, got -1/);
    assert.throws(() => divergenceConfig({ kde: { width: 1 } as never }), /divergence config: "kde.width" is not a known setting/);
    assert.throws(() => policyDivergence([A, B], [states[0]], divergenceConfig({}), spec, new Rng(1)), /1 state arrays for 2 policies/);
    assert.throws(() => policyDivergence([A], [Float32Array.of(0, NaN)], divergenceConfig({}), spec, new Rng(1)), /states of policy 0: fitKde: point 0 has a non-finite coordinate/);
  });
});
