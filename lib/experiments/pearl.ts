/**
 * PEARL on sparse 2D navigation (Rakelly et al., ICML 2019, Sec. 6.3, Figs. 4 and 7). One
 * unit = one seed of one variant (PEARL or the deterministic-context ablation, chosen by
 * `pearl.probabilistic`):
 *
 * 1. meta-train (algos/pearl.ts, Alg. 1) for `iterations`; before training and every
 *    `evalEvery` iterations, meta-test (Alg. 2) on the held-out goals. Table `curve`: the
 *    mean sparse return over held-out goals of each adaptation trajectory k = 1..K,
 *    against the environment steps and gradient steps of meta-training so far. Table
 *    `losses`: the losses of every iteration.
 * 2. after training, meta-test again on every held-out goal, `finalRepeats` times, with
 *    Alg. 2 as written (z from the posterior from trajectory 2 on) and with the authors'
 *    sparse-navigation protocol (z from the prior for the first 5 trajectories). Table
 *    `final`: one row per (protocol, repeat, goal, k). Table `paths`: the positions of the
 *    first repeat on goal `pathGoal`, for the trajectory picture.
 *
 * The MAML baseline of the sample-efficiency comparison (`mamlExperiment`, one unit = one
 * seed): Gaussian-policy MAML with one VPG inner step (algos/gaussian-maml.ts) meta-trained
 * on the same training goals; every `evalEvery` iterations, on each held-out goal, one
 * inner step from K episodes (with the dense and with the sparse reward), then the sparse
 * return of the adapted policy's mean action. Table `curve` against the environment steps
 * of meta-training, column `adaptation` = the inner step's reward.
 *
 * Thin wiring: config -> initPearl / pearlStep / metaTest (or gaussianMamlStep) -> rows.
 */
import { gaussianMamlInit, gaussianMamlSchema, gaussianMamlStep } from '../algos/gaussian-maml';
import { gaussianSgdStep, navAdvantages } from '../algos/gaussian-vpg';
import { initPearl, metaTest, pearlSchema, pearlStep, PearlState, pearlUpdate, sampleMetaBatch } from '../algos/pearl';
import { goalReward, goalRewards, NavReward } from '../envs/nav-tasks';
import { GaussianSpec, initGaussian, packedGaussianMean, packGaussian } from '../policies/gaussian-mlp';
import { navRewards, rolloutNavOne } from '../policies/nav-rollout';
import { goalSplit, pointNavSchema, reset, step as envStep, PointNavConfig } from '../envs/point-nav';
import { Progress } from '../core/progress';
import { Rng } from '../core/rng';
import { Scale } from '../core/scale';
import { int, Overrides, Resolved, resolver, section, withDefaults, z } from '../core/schema';
import type { Experiment } from './experiment';
import { SavedRows, TablesOf } from './tables';

/**
 * The notebook's reduced PEARL (the paper's settings are in the notebook's table): 2 x 32
 * networks and encoder, meta-batches of 8 tasks x 32 transitions with 64 context
 * transitions per task, Adam step size 1e-3 for every network (the authors: 3e-4), 200
 * gradient steps and 10 tasks x 200 new transitions per iteration.
 */
export const REDUCED = {
  encoderHidden: [32, 32],
  contextLr: 1e-3,
  sac: { hidden: [32, 32], policyLr: 1e-3, qLr: 1e-3, vLr: 1e-3 },
  metaBatch: 8,
  batchSize: 32,
  contextBatch: 64,
  initialSteps: 200,
  tasksPerIteration: 10,
  stepsPrior: 100,
  stepsPosterior: 100,
  trainSteps: 200,
  bufferSize: 100_000,
};

export const schema = section({
  pearl: withDefaults(pearlSchema, REDUCED).default({}).describe('PEARL settings (algos/pearl.ts), here with the notebook\'s reduced sizes as defaults'),
  iterations: int.positive().default(500).describe('meta-training iterations (passes of Alg. 1\'s while loop)'),
  evalEvery: int.positive().default(25).describe('iterations between meta-tests on the held-out goals'),
  finalRepeats: int.positive().default(3).describe('meta-tests of every held-out goal after training (fresh z draws each time)'),
  authorsPriorTrajectories: int.positive().default(5).describe('the authors\' sparse-navigation protocol: trajectories with z from the prior before the posterior (num_exp_traj_eval = 5)'),
  pathGoal: int.min(0).default(0).describe('held-out goal whose adaptation trajectories are kept for the picture'),
}).superRefine((c, ctx) => {
  const nTest = c.pearl.env.nGoals - c.pearl.env.trainGoals;
  if (c.pathGoal >= nTest) ctx.addIssue({ code: 'custom', path: ['pathGoal'], message: `must be a held-out goal index in [0, ${nTest - 1}], got ${c.pathGoal}` });
  if (c.authorsPriorTrajectories > c.pearl.eval.trajectories) ctx.addIssue({ code: 'custom', path: ['authorsPriorTrajectories'], message: `must be at most pearl.eval.trajectories (${c.pearl.eval.trajectories}), got ${c.authorsPriorTrajectories}` });
});
export type PearlExperimentConfig = Resolved<typeof schema>;
export const config = resolver('pearl experiment config', schema);

/** The variant's name in tables and charts. */
export function methodName(cfg: PearlExperimentConfig): string {
  return cfg.pearl.probabilistic ? 'PEARL' : 'deterministic context';
}

/**
 * Sizes per scale. Quick: a smoke run of a few seconds. Paper: the notebook's reduced
 * setting (see REDUCED; 500 iterations = 100,000 gradient steps, the order the issue
 * names for held-out returns to rise), 3 seeds per variant: 6 units on 2 workers, sized
 * for the issue's 40 minutes on 2 cores with the MAML baseline (bench: "PEARL notebook
 * experiments").
 */
export function sizes(s: Scale): { config: Overrides<typeof schema>; seeds: number } {
  if (s === 'paper') return { config: {}, seeds: 3 };
  return {
    config: {
      pearl: {
        encoderHidden: [8], sac: { hidden: [8] }, metaBatch: 2, batchSize: 8, contextBatch: 8,
        initialSteps: 20, tasksPerIteration: 2, stepsPrior: 20, stepsPosterior: 20, trainSteps: 5,
        eval: { trajectories: 6 },
      },
      iterations: 3, evalEvery: 1, finalRepeats: 1, authorsPriorTrajectories: 2,
    },
    seeds: 2,
  };
}

/** The tables of one unit of the PEARL experiment. */
export const TABLES = {
  /** Meta-test return along meta-training: mean over held-out goals of trajectory k. */
  curve: { method: 'string', iteration: 'int', envSteps: 'int', gradSteps: 'int', k: 'int', return: 'float', denseReturn: 'float' },
  /** Losses of every iteration, and the wall time so far (the only column that is not a function of config and seed). */
  losses: {
    method: 'string', iteration: 'int', envSteps: 'int', gradSteps: 'int',
    qLoss: 'float', vLoss: 'float', piLoss: 'float', logPi: 'float', qMean: 'float', kl: 'float', seconds: 'float',
  },
  final: { method: 'string', protocol: 'string', repeat: 'int', goal: 'int', k: 'int', return: 'float', denseReturn: 'float' },
  paths: { method: 'string', goal: 'int', k: 'int', t: 'int', x: 'float', y: 'float' },
} as const;
type Tables = TablesOf<typeof TABLES>;
/** The table of the MAML baseline. */
export const MAML_TABLES = {
  curve: { method: 'string', adaptation: 'string', iteration: 'int', envSteps: 'int', return: 'float', preReturn: 'float', denseReturn: 'float' },
} as const;
/** Rows of a run's tables (with `seed`), as report/pearl.ts takes them. */
export type Saved = SavedRows<typeof TABLES>;
export type SavedMaml = SavedRows<typeof MAML_TABLES>;

/** Mean sparse return over goals of each trajectory k, as rows. */
function curveRows(s: PearlState, rng: Rng, method: string): Tables['curve'] {
  const r = metaTest(s, rng);
  const rows: Tables['curve'] = [];
  for (let k = 0; k < r.K; k++) {
    let sparse = 0, dense = 0;
    for (let i = 0; i < r.n; i++) {
      sparse += r.sparse[i * r.K + k] / r.n;
      dense += r.dense[i * r.K + k] / r.n;
    }
    rows.push({ method, iteration: s.iteration, envSteps: s.envSteps, gradSteps: s.gradSteps, k: k + 1, return: sparse, denseReturn: dense });
  }
  return rows;
}

/** One seed of one variant: meta-train, meta-test along the way and at the end. */
export function unit(cfg: PearlExperimentConfig, seed: number): Tables {
  const method = methodName(cfg);
  const rng = new Rng(seed);
  const s = initPearl(cfg.pearl, rng.split());
  const evalRng = rng.split();
  const curve: Tables['curve'] = [], losses: Tables['losses'] = [], final: Tables['final'] = [], paths: Tables['paths'] = [];
  const t0 = Date.now();
  // a unit runs for minutes: a progress line per minute (iterations, and the last held-out return of trajectory K)
  curve.push(...curveRows(s, evalRng.split(), method));
  let lastReturn = curve[curve.length - 1].return as number;
  const progress = new Progress({
    label: `pearl-sparse-navigation ${method} seed ${seed}`, total: cfg.iterations, everyMs: 60_000, quietUnderMs: 60_000,
    write: (line) => console.log(`${line} | held-out return of trajectory ${cfg.pearl.eval.trajectories}: ${lastReturn.toFixed(2)}`),
  });
  for (let it = 1; it <= cfg.iterations; it++) {
    const info = pearlStep(s);
    losses.push({ method, iteration: it, envSteps: info.envSteps, gradSteps: info.gradSteps, ...info.metrics, seconds: (Date.now() - t0) / 1000 });
    if (it % cfg.evalEvery === 0 || it === cfg.iterations) {
      curve.push(...curveRows(s, evalRng.split(), method));
      lastReturn = curve[curve.length - 1].return as number;
    }
    progress.tick(1, 'iterations');
  }
  const protocols: [string, number][] = [['Alg. 2 (posterior from trajectory 2)', 1], [`authors (prior for ${cfg.authorsPriorTrajectories} trajectories)`, cfg.authorsPriorTrajectories]];
  for (const [protocol, prior] of protocols) {
    const st: PearlState = { ...s, cfg: { ...s.cfg, eval: { ...s.cfg.eval, priorTrajectories: prior } } };
    for (let rep = 0; rep < cfg.finalRepeats; rep++) {
      const r = metaTest(st, evalRng.split());
      for (let i = 0; i < r.n; i++) {
        for (let k = 0; k < r.K; k++) final.push({ method, protocol, repeat: rep, goal: i, k: k + 1, return: r.sparse[i * r.K + k], denseReturn: r.dense[i * r.K + k] });
      }
      if (rep === 0 && prior === 1) {
        const i = cfg.pathGoal;
        for (let k = 0; k < r.K; k++) {
          for (let t = 0; t < r.H; t++) {
            const o = ((i * r.K + k) * r.H + t) * 2;
            paths.push({ method, goal: i, k: k + 1, t: t + 1, x: r.positions[o], y: r.positions[o + 1] });
          }
        }
      }
    }
  }
  return { curve, losses, final, paths };
}

const reward = z.enum(['dense', 'sparse']);

export const mamlSchema = section({
  env: pointNavSchema.default({}).describe('the point-navigation tasks (the same goals and split as PEARL)'),
  maml: gaussianMamlSchema.default({}).describe('MAML settings (Gaussian MLP policy, one VPG inner step of size alpha, K episodes per inner and outer batch)'),
  hidden: int.positive().default(64).describe('hidden ReLU units of the Gaussian policy'),
  metaReward: reward.default('dense').describe('reward of the inner and outer batches during meta-training (dense, as PEARL\'s critic)'),
  adaptRewards: z.array(reward).min(1).default(['dense', 'sparse']).describe('rewards of the inner step on a held-out goal, each evaluated (dense: more information than PEARL\'s encoder gets; sparse: the same)'),
  iterations: int.positive().default(150).describe('meta-updates'),
  evalEvery: int.positive().default(10).describe('meta-updates between evaluations on the held-out goals'),
});
export type MamlExperimentConfig = Resolved<typeof mamlSchema>;
export const mamlConfig = resolver('pearl maml config', mamlSchema);

/** Sizes per scale of the MAML baseline (paper: the DIAYN notebook's MAML, meta-batch 20 x 150 iterations, 4 seeds). */
export function mamlSizes(s: Scale): { config: Overrides<typeof mamlSchema>; seeds: number } {
  if (s === 'paper') return { config: {}, seeds: 4 };
  return { config: { maml: { metaBatch: 2, K: 4 }, hidden: 8, iterations: 2, evalEvery: 1 }, seeds: 2 };
}

/** Sum of `reward` along one deterministic (mean-action) episode of a Gaussian policy per goal. */
function meanActionReturns(theta: Float32Array, goals: Float32Array, env: PointNavConfig, spec: GaussianSpec): { sparse: number; dense: number } {
  const n = goals.length / 2, p = packGaussian(theta, spec);
  let pos = reset(n), sparse = 0, dense = 0;
  const a = new Float32Array(2 * n);
  for (let t = 0; t < env.horizon; t++) {
    for (let i = 0; i < n; i++) {
      const [m0, m1] = packedGaussianMean(p, pos[2 * i], pos[2 * i + 1]);
      a[2 * i] = m0;
      a[2 * i + 1] = m1;
    }
    const r = envStep(env, pos, a, goals);
    for (let i = 0; i < n; i++) {
      sparse += r.sparse[i] / n;
      dense += r.dense[i] / n;
    }
    pos = r.state;
  }
  return { sparse, dense };
}

/** Adapt to every held-out goal with one inner step; mean sparse return of the adapted mean actions. */
function mamlEval(theta: Float32Array, cfg: MamlExperimentConfig, adaptReward: 'dense' | 'sparse', spec: GaussianSpec, test: Float32Array, rng: Rng): { pre: number; post: number; postDense: number } {
  const n = test.length / 2;
  const pre = meanActionReturns(theta, test, cfg.env, spec).sparse;
  let post = 0, postDense = 0;
  for (let i = 0; i < n; i++) {
    const goal = test.subarray(2 * i, 2 * i + 2);
    const task: NavReward = goalReward(cfg.env, goal, adaptReward);
    const batch = rolloutNavOne(theta, cfg.maml.K, cfg.env, spec, rng);
    let th = theta;
    for (let j = 0; j < cfg.maml.innerSteps; j++) th = gaussianSgdStep(th, navAdvantages(batch, navRewards(batch, () => task), cfg.maml.gamma), spec, cfg.maml.alpha);
    const r = meanActionReturns(th, goal, cfg.env, spec);
    post += r.sparse / n;
    postDense += r.dense / n;
  }
  return { pre, post, postDense };
}

/** One seed of the MAML baseline. */
export function mamlUnit(cfg: MamlExperimentConfig, seed: number): TablesOf<typeof MAML_TABLES> {
  const rng = new Rng(seed);
  const spec: GaussianSpec = { obsDim: 2, hidden: cfg.hidden, actDim: 2 };
  const split = goalSplit(cfg.env);
  const tasks = goalRewards(cfg.env, split.train, cfg.metaReward);
  let state = gaussianMamlInit(initGaussian(spec, rng.split()));
  const trainRng = rng.split(), evalRng = rng.split();
  const perIteration = cfg.maml.metaBatch * cfg.maml.K * cfg.env.horizon * (cfg.maml.innerSteps + 1);
  const curve: TablesOf<typeof MAML_TABLES>['curve'] = [];
  const record = (iteration: number) => {
    for (const adaptation of cfg.adaptRewards) {
      const e = mamlEval(state.theta, cfg, adaptation, spec, split.test, evalRng.split());
      curve.push({ method: 'MAML', adaptation, iteration, envSteps: iteration * perIteration, return: e.post, preReturn: e.pre, denseReturn: e.postDense });
    }
  };
  record(0);
  for (let it = 1; it <= cfg.iterations; it++) {
    state = gaussianMamlStep(state, tasks, cfg.maml, cfg.env, spec, trainRng).state;
    if (it % cfg.evalEvery === 0 || it === cfg.iterations) record(it);
  }
  return { curve };
}

export const mamlExperiment: Experiment<MamlExperimentConfig, Overrides<typeof mamlSchema>, typeof MAML_TABLES> = {
  name: 'pearl-maml-baseline',
  version: 1,
  tables: MAML_TABLES,
  resolve: mamlConfig,
  unit: mamlUnit,
};

export const experiment: Experiment<PearlExperimentConfig, Overrides<typeof schema>, typeof TABLES> = {
  name: 'pearl-sparse-navigation',
  version: 1,
  tables: TABLES,
  resolve: config,
  unit,
};

/**
 * Time `n` gradient steps (policy, twin Q, V and encoder together) at the sizes of `cfg`
 * on this machine, on a fresh state with a little data; one sentence with the median.
 */
export function timeSteps(cfg: PearlExperimentConfig['pearl'], n: number): string {
  const small = { ...cfg, initialSteps: Math.max(cfg.env.horizon, Math.min(cfg.initialSteps, 40)), trainSteps: 1 };
  const s = initPearl(small, new Rng(12345));
  pearlStep(s);
  const rng = new Rng(1);
  const ms: number[] = [];
  for (let i = 0; i <= n; i++) {
    const mb = sampleMetaBatch(s, rng);
    const t0 = performance.now();
    pearlUpdate(s, mb, false);
    if (i > 0) ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  const med = ms[Math.floor(ms.length / 2)];
  return `One gradient step at these sizes (networks ${cfg.sac.hidden.join('x')}, encoder ${cfg.encoderHidden.join('x')}, ${cfg.metaBatch} tasks x ${cfg.batchSize} transitions, ${cfg.contextBatch} context transitions per task): median ${med.toFixed(1)} ms over ${n} steps = ${(1000 / med).toFixed(0)} steps/s on this machine.`;
}
