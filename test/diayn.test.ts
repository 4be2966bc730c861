import * as assert from 'assert';
import { Rng } from '../lib/core/rng';
import { tf } from '../lib/core/tf';
import { dynamics, particleConfig, pureRemapping } from '../lib/envs/particle';
import { pointNavConfig } from '../lib/envs/point-nav';
import { foldInputs, oneHot } from '../lib/policies/condition';
import { navEndPositions } from '../lib/policies/nav-rollout';
import { actionProbs, constantPolicy, initConfig, initParams, PolicySpec } from '../lib/policies/softmax-mlp';
import {
  diaynConfig, diaynNavInit, diaynNavStep, diaynParticleInit, diaynParticleStep, discriminatorAccuracy, discriminatorSpec,
  discriminatorUpdate, initDiscriminator, navSkillRollout, pseudoRewards, skillRows, skillTasks,
} from '../lib/algos/diayn';
import { adamConfig, adamInit } from '../lib/core/adam';
import { dadsConfig, dadsInit, dadsRewards, dadsStep, dynamicsSpec } from '../lib/algos/dads';
import { dadsSkillsConfig, dadsUnit, particleSkillsConfig, particleUnit, sizes, umlConfig, umlUnit } from '../lib/experiments/diayn';
import { adaptationTable, dadsStatement, distinctEnds, endSpread, paperVsOurs, recoveryStatement, skillsStatement } from '../lib/report/diayn';

describe('DIAYN pseudo-reward log q(z|s) - log p(z)', () => {
  it('equals the hand-computed value for a discriminator that ignores the state', () => {
    // logits ln(1), ln(2), ln(3), ln(2): q = (1, 2, 3, 2) / 8 in every state; log p(z) = -log 4
    const spec: PolicySpec = { obsDim: 2, hidden: 3, nActions: 4 };
    const phi = constantPolicy(spec, [0, Math.log(2), Math.log(3), Math.log(2)]);
    const r = pseudoRewards(phi, [0.5, 0.5, -3, 2, 0, 0, 1, 1], [0, 1, 2, 3], spec);
    const expected = [Math.log(1 / 8 * 4), Math.log(2 / 8 * 4), Math.log(3 / 8 * 4), Math.log(2 / 8 * 4)];
    expected.forEach((e, i) => assert.ok(Math.abs(r[i] - e) < 1e-6, `state ${i}: ${r[i]} vs ${e}`));
  });

  it('equals the hand-computed value for a discriminator that splits the plane at x = 0', () => {
    // hidden units relu(x), relu(-x); logit of skill 0 = ln(3) relu(x), of skill 1 = ln(3) relu(-x)
    const spec: PolicySpec = { obsDim: 2, hidden: 2, nActions: 2 };
    const phi = new Float32Array(2 * 2 + 2 + 2 * 2 + 2);
    phi[0] = 1; // W1[x, unit 0]
    phi[1] = -1; // W1[x, unit 1]
    phi[6] = Math.log(3); // W2[unit 0, skill 0]
    phi[9] = Math.log(3); // W2[unit 1, skill 1]
    // s = (1, 0): q(0|s) = 3/4, q(1|s) = 1/4; s = (-2, 5): q(1|s) = 9/10
    const r = pseudoRewards(phi, [1, 0, 1, 0, -2, 5], [0, 1, 1], spec);
    assert.ok(Math.abs(r[0] - Math.log(0.75 * 2)) < 1e-6);
    assert.ok(Math.abs(r[1] - Math.log(0.25 * 2)) < 1e-6);
    assert.ok(Math.abs(r[2] - Math.log(0.9 * 2)) < 1e-6);
    // the unsupervised meta-RL task of skill 1 is log q(1 | s') without the constant
    const task = skillTasks(phi, spec)[1](new Float32Array([1, 0, -2, 5]));
    assert.ok(Math.abs(task[0] - Math.log(0.25)) < 1e-6 && Math.abs(task[1] - Math.log(0.9)) < 1e-6);
  });
});

describe('DIAYN discriminator', () => {
  const K = 4, perSkill = 300;
  const spec = discriminatorSpec({ nSkills: K, discriminatorHidden: 32 });
  /** perSkill states of every skill around its centre, with labels. */
  function sample(centres: number[][], sd: number, rng: Rng): { states: Float32Array; labels: Int32Array } {
    const states = new Float32Array(K * perSkill * 2), labels = skillRows(K, perSkill);
    for (let n = 0; n < labels.length; n++) {
      states[2 * n] = centres[labels[n]][0] + sd * rng.normal();
      states[2 * n + 1] = centres[labels[n]][1] + sd * rng.normal();
    }
    return { states, labels };
  }
  function train(centres: number[][], sd: number): { phi: Float32Array; test: ReturnType<typeof sample>; trainAcc: number } {
    const rng = new Rng(5);
    const tr = sample(centres, sd, rng), test = sample(centres, sd, rng);
    const out = discriminatorUpdate(initDiscriminator(spec, rng), adamInit(spec.obsDim * 32 + 32 + 32 * K + K), tr.states, tr.labels, spec, 150, adamConfig({ lr: 0.01 }));
    return { phi: out.phi, test, trainAcc: discriminatorAccuracy(out.phi, tr.states, tr.labels, spec) };
  }

  it('stays within chance-level bounds on held-out states when all skills visit the same states', () => {
    const same = [[0, 0], [0, 0], [0, 0], [0, 0]];
    const { phi, test } = train(same, 0.5);
    const acc = discriminatorAccuracy(phi, test.states, test.labels, spec);
    // labels independent of states: accuracy ~ Binomial(1200, 1/4) / 1200, sd 0.0125; 4 sd either side
    const sd = Math.sqrt(0.25 * 0.75 / (K * perSkill));
    assert.ok(Math.abs(acc - 0.25) < 4 * sd, `held-out accuracy ${acc}`);
    // and the MI lower bound on held-out states is no better than 0 nats (up to noise)
    const r = pseudoRewards(phi, test.states, test.labels, spec);
    assert.ok(r.reduce((s, v) => s + v, 0) / r.length < 0.05);
  });

  it('reaches accuracy near 1 when the skills visit separate regions', () => {
    const apart = [[1, 0], [-1, 0], [0, 1], [0, -1]];
    const { phi, test, trainAcc } = train(apart, 0.1);
    assert.ok(trainAcc > 0.98, `training accuracy ${trainAcc}`);
    assert.ok(discriminatorAccuracy(phi, test.states, test.labels, spec) > 0.98);
  });
});

describe('DIAYN', () => {
  const env = pointNavConfig();

  it('a skill-conditioned softmax policy folded to one skill gives the same action probabilities', () => {
    const spec: PolicySpec = { obsDim: 5, hidden: 6, nActions: 4 };
    const theta = initParams(spec, new Rng(3), initConfig({ outputScale: 1 }));
    const folded = foldInputs(theta, 5, 6, oneHot(2, 3));
    const full = actionProbs(theta, [0.4, -0.2, 0, 0, 1], spec);
    const small = actionProbs(folded, [0.4, -0.2], { obsDim: 2, hidden: 6, nActions: 4 });
    for (let a = 0; a < 4; a++) assert.ok(Math.abs(full[a] - small[a]) < 1e-6);
  });

  it('skills end in different places after a short run on point navigation', () => {
    // Threshold from measured runs (4 skills, 4 episodes each, 25 iterations, 8 episodes
    // per skill from the origin afterwards): the smallest distance between two skills'
    // mean end points was 1.39, 1.62, 1.17, 2.66, 1.75, 1.04 for seeds 0-5, and 0.12
    // before training. 0.5 sits between the untrained value and the smallest trained one.
    const cfg = diaynConfig({ nSkills: 4, episodesPerSkill: 4 });
    const rng = new Rng(0);
    let s = diaynNavInit(cfg, rng.split());
    const r = rng.split();
    const minPair = (theta: Float32Array) => {
      const e = navEndPositions(navSkillRollout(theta, cfg, 8, env, new Rng(99)));
      const c = [0, 1, 2, 3].map((z) => [0, 1].map((d) => [0, 1, 2, 3, 4, 5, 6, 7].reduce((acc, k) => acc + e[2 * (z * 8 + k) + d] / 8, 0)));
      let m = Infinity;
      for (let i = 0; i < 4; i++) for (let j = i + 1; j < 4; j++) m = Math.min(m, Math.hypot(c[i][0] - c[j][0], c[i][1] - c[j][1]));
      return m;
    };
    const before = minPair(s.theta);
    for (let i = 0; i < 25; i++) s = diaynNavStep(s, cfg, env, r).state;
    const after = minPair(s.theta);
    assert.ok(before < 0.5, `untrained skills already apart (${before})`);
    assert.ok(after > 0.5, `smallest distance between skills' mean end points ${after}`);
  });

  it('updates on point navigation and on the particle testbed without leaking tensors', () => {
    const cfg = diaynConfig({ nSkills: 3, episodesPerSkill: 2, discriminatorSteps: 2 });
    const dyn = dynamics([pureRemapping([0, 1, 2, 3])], particleConfig({ horizon: 10 }));
    let a = diaynNavInit(cfg, new Rng(1)), b = diaynParticleInit(cfg, new Rng(2));
    const r = new Rng(3);
    a = diaynNavStep(a, cfg, env, r).state;
    b = diaynParticleStep(b, cfg, dyn, 0, r).state;
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) {
      const na = diaynNavStep(a, cfg, env, r), nb = diaynParticleStep(b, cfg, dyn, 0, r);
      assert.ok(Number.isFinite(na.metrics.miLowerBound) && Number.isFinite(nb.metrics.entropy));
      assert.ok(na.metrics.miLowerBound <= Math.log(3) + 1e-6, 'the MI bound cannot exceed log K');
      a = na.state;
      b = nb.state;
    }
    assert.strictEqual(tf.memory().numTensors, before);
    assert.strictEqual(a.iteration, 6);
  });

  it('rejects bad settings, naming the field', () => {
    assert.throws(() => diaynConfig({ nSkills: 1 }), /diayn config: "nSkills" must be an integer >= 2, got 1/);
    assert.throws(() => diaynConfig({ entropyWeight: -0.1 }), /diayn config: "entropyWeight" must be a finite number >= 0, got -0.1/);
    assert.throws(() => diaynConfig({ episodesPerSkill: 1 }), /"episodesPerSkill" must be an integer >= 2, got 1/);
    assert.throws(() => umlConfig({ diayn: { nSkills: 1 } }), /diayn experiment config: "diayn.nSkills" must be an integer >= 2, got 1/);
    assert.throws(() => umlConfig({ testGoals: 21 }), /"testGoals" must be at most the 20 held-out goals, got 21/);
    assert.throws(() => particleSkillsConfig({ diayn: { entropyWeight: -1 } }), /diayn particle config: "diayn.entropyWeight" must be a finite number >= 0, got -1/);
  });
});

describe('DIAYN experiments (tiny budget)', () => {
  it('unsupervised meta-RL: DIAYN, two MAMLs and adaptation give tidy tables the report reads', () => {
    const cfg = umlConfig({ ...sizes('quick').uml, diaynIterations: 3, metaIterations: 1, testGoals: 2, adaptUpdates: 2 });
    const t = umlUnit(cfg, 0);
    assert.deepStrictEqual(Object.keys(t).sort(), ['adaptation', 'metaTraining', 'skills', 'training']);
    assert.strictEqual(t.adaptation.length, 3 * 2 * 3); // methods x goals x (updates + 1)
    assert.deepStrictEqual(Object.keys(t.adaptation[0]), ['method', 'goal', 'update', 'return']);
    assert.strictEqual(t.skills.length, cfg.diayn.nSkills * cfg.skillEpisodes * (cfg.env.horizon + 1));
    // update 0 of every method is measured before any adaptation: the two MAMLs moved away from the shared random init
    const withSeed = (rows: typeof t.adaptation, seed: number) => rows.map((r) => ({ seed, ...r }));
    const rows = [...withSeed(t.adaptation, 0), ...withSeed(umlUnit(cfg, 1).adaptation, 1)];
    assert.match(recoveryStatement(rows), /recover/);
    assert.strictEqual(adaptationTable(rows).length, 3);
    assert.strictEqual(paperVsOurs(cfg, particleSkillsConfig(), 2).length, 10);
  });

  it('particle skills: training metrics and paths from the origin', () => {
    const cfg = particleSkillsConfig({ ...sizes('quick').particle, iterations: 3 });
    const t = particleUnit(cfg, 0);
    assert.strictEqual(t.skills.length, cfg.diayn.nSkills * cfg.skillEpisodes * (cfg.particle.horizon + 1));
    const rows = t.training.map((r) => ({ seed: 0, ...r }));
    assert.match(skillsStatement(rows, 'particle'), /chance 25.0%/);
    assert.strictEqual(endSpread(t.skills.map((r) => ({ seed: 0, ...r }))).length, 1);
  });
});

describe('DADS', () => {
  it('rewards log q(s\'|s,z) - log (1/K sum_i q(s\'|s,z_i)) as computed by hand', () => {
    // K = 2 skills; hidden unit z fires only for skill z (its one-hot input), so mu(s, z) = mu_z:
    // mu_0 = (0.1, 0), mu_1 = (0, 0.1), sigma = 0.1. For Delta = (0.1, 0):
    // log q_0 - log q_1 = 0.01 / (2 * 0.01) * 2 = 1, so r_0 = log 2 - log(1 + e^-1) and r_1 = log 2 - log(1 + e^1).
    const spec = dynamicsSpec({ nSkills: 2, dynamicsHidden: 2 });
    const phi = new Float32Array(4 * 2 + 2 + 2 * 2 + 2 + 2);
    phi[2 * 2 + 0] = 1; // W1[input 2 (skill 0), unit 0]
    phi[3 * 2 + 1] = 1; // W1[input 3 (skill 1), unit 1]
    const w2 = 4 * 2 + 2;
    phi[w2 + 0] = 0.1; // unit 0 -> mu_x
    phi[w2 + 3] = 0.1; // unit 1 -> mu_y
    phi[w2 + 4 + 2] = Math.log(0.1);
    phi[w2 + 4 + 3] = Math.log(0.1);
    const s = new Float32Array([0.3, -0.2, 0.3, -0.2]), next = new Float32Array([0.4, -0.2, 0.4, -0.2]);
    const r = dadsRewards(phi, s, next, [0, 1], spec);
    assert.ok(Math.abs(r[0] - (Math.log(2) - Math.log(1 + Math.exp(-1)))) < 1e-5, `${r[0]}`);
    assert.ok(Math.abs(r[1] - (Math.log(2) - Math.log(1 + Math.exp(1)))) < 1e-5, `${r[1]}`);
  });

  it('updates without leaking tensors, keeps the model\'s sigma fixed, and rejects bad settings', () => {
    const cfg = dadsConfig({ nSkills: 3, episodesPerSkill: 2, dynamicsSteps: 2 });
    const env = pointNavConfig();
    let s = dadsInit(cfg, new Rng(1));
    const r = new Rng(2);
    s = dadsStep(s, cfg, env, r).state;
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      const out = dadsStep(s, cfg, env, r);
      assert.ok(out.metrics.miEstimate <= Math.log(3) + 1e-6);
      s = out.state;
    }
    assert.strictEqual(tf.memory().numTensors, before);
    assert.ok(Math.abs(Math.exp(s.phi[s.phi.length - 1]) - cfg.dynamicsSigma) < 1e-6);
    assert.throws(() => dadsConfig({ nSkills: 1 }), /dads config: "nSkills" must be an integer >= 2, got 1/);
    assert.throws(() => dadsConfig({ entropyWeight: -0.5 }), /dads config: "entropyWeight" must be a finite number >= 0, got -0.5/);
  });

  it('tiny experiment: training metrics and paths the report reads', () => {
    const cfg = dadsSkillsConfig({ ...sizes('quick').dads, iterations: 3 });
    const t = dadsUnit(cfg, 0);
    const seeded = <R extends object>(rows: readonly R[]) => rows.map((r) => ({ seed: 0, ...r }));
    assert.strictEqual(t.skills.length, cfg.dads.nSkills * cfg.skillEpisodes * (cfg.env.horizon + 1));
    assert.match(dadsStatement(seeded(t.training), seeded(t.skills)), /different places/);
    const places = distinctEnds(seeded(t.skills))[0];
    assert.ok(Number(places.places) >= 1 && Number(places.places) <= cfg.dads.nSkills);
  });
});
