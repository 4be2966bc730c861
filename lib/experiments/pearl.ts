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
 * Thin wiring: config -> initPearl / pearlStep / metaTest -> rows.
 */
import { initPearl, metaTest, pearlSchema, pearlStep, PearlState } from '../algos/pearl';
import { Rng } from '../core/rng';
import { Row } from '../core/row';
import { Scale } from '../core/scale';
import { int, Overrides, Resolved, resolver, section, withDefaults } from '../core/schema';
import { Experiment, Tables } from './runner';

/**
 * The notebook's reduced PEARL (the paper's settings are in the notebook's table): 2 x 32
 * networks and encoder, meta-batches of 8 tasks x 64 transitions with 64 context
 * transitions, 200 gradient steps and 10 tasks x 200 new transitions per iteration.
 */
export const REDUCED = {
  encoderHidden: [32, 32],
  sac: { hidden: [32, 32] },
  metaBatch: 8,
  batchSize: 64,
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
  iterations: int.positive().default(250).describe('meta-training iterations (passes of Alg. 1\'s while loop)'),
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
 * setting (see REDUCED; 250 iterations = 50,000 gradient steps), 4 seeds per variant:
 * 8 units on 2 workers, sized for the issue's 40 minutes on 2 cores with the MAML
 * baseline (bench: "PEARL notebook experiments").
 */
export function sizes(s: Scale): { config: Overrides<typeof schema>; seeds: number } {
  if (s === 'paper') return { config: {}, seeds: 4 };
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

/** Mean sparse return over goals of each trajectory k, as rows. */
function curveRows(s: PearlState, rng: Rng, method: string): Row[] {
  const r = metaTest(s, rng);
  const rows: Row[] = [];
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
  const curve: Row[] = [], losses: Row[] = [], final: Row[] = [], paths: Row[] = [];
  const t0 = Date.now();
  curve.push(...curveRows(s, evalRng.split(), method));
  for (let it = 1; it <= cfg.iterations; it++) {
    const info = pearlStep(s);
    losses.push({ method, iteration: it, envSteps: info.envSteps, gradSteps: info.gradSteps, ...info.metrics, seconds: (Date.now() - t0) / 1000 });
    if (it % cfg.evalEvery === 0 || it === cfg.iterations) curve.push(...curveRows(s, evalRng.split(), method));
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

export const experiment: Experiment<PearlExperimentConfig> = {
  name: 'pearl-sparse-navigation',
  version: 1,
  module: __filename,
  exportName: 'experiment',
  resolve: config,
  unit,
};
