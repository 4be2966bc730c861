/**
 * BO-MRL's verification experiment (Xu & Zhu, NeurIPS 2024, "A simple environment to
 * verify the theoretical result"): meta-train on lake tasks, then adapt to held-out test
 * tasks for 0..4 steps and measure the return and the optimality gap against the all-task
 * optimum, for a high- and a low-variance task distribution.
 *
 * One unit = one seed. The seed draws the maps of both distributions (train and test) and
 * all sampled data. Per distribution:
 *   1. tasks: `train` + `test` maps; J*_tau by value iteration; the task variance (both distances);
 *   2. every method is meta-trained on the training tasks, from one shared random table,
 *      once per value of its tuning grid (BO-MRL: lambda; MAML: its step size alpha; the
 *      grids have the same length, so the same tuning budget); the value kept maximizes the
 *      mean exact J on the training tasks after one adaptation step computed from
 *      `evaluation.episodes` sampled episodes (`tuning.criterion` "sampled", the deployed
 *      setting) or from exact statistics ("exact");
 *   3. the methods of `sampledTraining` are meta-trained once more with sampled meta-gradients
 *      (episodes collected once per policy, as in the paper) at the value kept in step 2;
 *   4. each kept meta-policy is adapted on every test task for `adaptSteps` steps, with exact
 *      statistics and with `evaluation.episodes` fresh sampled episodes per step; the exact
 *      J of every adapted policy is recorded.
 *
 * Methods:
 *   bomrl-kl, bomrl-npg, bomrl-pg   BO-MRL with each distance (bo-mrl.ts), adapted by its own Alg
 *   maml                            one-PG-step MAML on its own objective (tabular-maml.ts), adapted by PG steps
 *   joint                           one table trained on all training tasks (tabular-joint.ts), adapted by Alg (KL, BO-MRL's lambda)
 *   random                          the shared random table, adapted by Alg (KL, BO-MRL's lambda)
 *
 * Tables: "tasks", "variance", "training", "tuning", "eval" (see `unit`).
 */
import { adamSchema } from '../core/adam';
import { Rng } from '../core/rng';
import { Scale } from '../core/scale';
import { int, num, Overrides, Resolved, resolver, section, withDefaults, z } from '../core/schema';
import { holeMapSchema, lakeMdp, LakeMdp, lakeSchema, penaltyMapSchema, randomHoleMap, randomPenaltyMap } from '../envs/lake';
import { randomTable } from '../policies/softmax-table';
import { adapt, adaptSteps, AlgConfig, boMrlConfig, boMrlInit, boMrlStep, Distance } from '../algos/bo-mrl';
import { klTaskVariance, l2TaskVariance, taskOptima } from '../algos/bo-mrl-theory';
import { jointInit, jointStep } from '../algos/tabular-joint';
import { pgStep, pgSteps, tabularMamlConfig, tabularMamlInit, tabularMamlStep } from '../algos/tabular-maml';
import { Estimator, exactEstimator, sampledEstimator } from '../algos/tabular-estimates';
import type { Experiment } from './experiment';
import { SavedRows, TablesOf } from './tables';

export const METHODS = ['bomrl-kl', 'bomrl-npg', 'bomrl-pg', 'maml', 'joint', 'random'] as const;
export type Method = (typeof METHODS)[number];
export const DISTRIBUTIONS = ['high', 'low'] as const;
export type DistributionName = (typeof DISTRIBUTIONS)[number];
export const MODES = ['exact', 'sampled'] as const;
export type Mode = (typeof MODES)[number];

const grid = (values: number[], what: string) => z.array(num.positive()).min(1).default(values).describe(what);

export const schema = section({
  lake: lakeSchema.default({}).describe('the lake: discount, episode length, rewards'),
  high: section({
    train: int.positive().default(10).describe('training maps (authors: 10)'),
    test: int.positive().default(20).describe('held-out test maps from the same generator'),
    maps: holeMapSchema.default({}).describe('the map generator'),
  }).default({}).describe('high task variance: maps with holes'),
  low: section({
    train: int.positive().default(20).describe('training reward maps (authors: 20)'),
    test: int.positive().default(20).describe('held-out test reward maps'),
    maps: penaltyMapSchema.default({}).describe('the reward-map generator'),
  }).default({}).describe('low task variance: no holes, a few penalty cells'),
  methods: z.array(z.enum(METHODS)).min(1).default([...METHODS]).describe('methods to compare'),
  iterations: int.positive().default(200).describe('meta-iterations of every method (each uses every training task)'),
  logEvery: int.positive().default(10).describe('record the training curves every this many iterations'),
  adaptSteps: int.min(0).default(4).describe('adaptation steps at meta-test (the paper\'s figure: 0-4)'),
  sampledTraining: section({
    methods: z.array(z.enum(['bomrl-kl', 'bomrl-npg', 'bomrl-pg', 'maml', 'joint'])).default(['bomrl-kl', 'maml']).describe('methods meta-trained a second time with sampled meta-gradients, at the hyperparameter their exact run chose'),
    episodes: int.positive().default(20).describe('episodes per policy and task in each sampled meta-gradient'),
  }).default({}).describe('the sampled-statistics comparison (every method is first meta-trained with exact statistics)'),
  evaluation: section({
    episodes: int.positive().default(20).describe('episodes collected by the current policy before each sampled adaptation step'),
  }).default({}),
  tuning: section({
    kl: grid([0.03, 0.1, 0.3, 1, 3], 'lambda grid of BO-MRL with the KL distance'),
    npg: grid([0.03, 0.1, 0.3, 1, 3], 'lambda grid of BO-MRL with the NPG distance'),
    pg: grid([0.001, 0.003, 0.01, 0.03, 0.1], 'lambda grid of BO-MRL with the PG distance'),
    maml: grid([1, 3, 10, 30, 100], 'step-size grid of MAML (same length: the same tuning budget)'),
    criterion: z.enum(MODES).default('sampled').describe('the value kept maximizes the mean exact J on the training tasks after one adaptation step with "sampled" statistics (evaluation.episodes episodes, as deployed) or with "exact" ones (which favours the greediest step)'),
    repeats: int.positive().default(5).describe('sampled criterion: independent adaptations per training task averaged'),
  }).default({}).superRefine((t, ctx) => {
    const n = t.kl.length;
    for (const k of ['npg', 'pg', 'maml'] as const) {
      if (t[k].length !== n) ctx.addIssue({ code: 'custom', path: [k], message: `must have as many values as "kl" (${n}: the same tuning budget), got ${t[k].length}` });
    }
  }).describe('hyperparameter grids, one per method'),
  inner: section({
    steps: int.min(0).default(0).describe('KL case: 0 = the exact per-state argmax; > 0 = that many inner gradient steps (the paper\'s solver)'),
    lr: num.positive().default(1).describe('inner step size eta'),
  }).default({}),
  adam: withDefaults(adamSchema, { lr: 0.1 }).default({}).describe('outer optimizer of every method'),
  initScale: num.min(0).default(0.01).describe('std of the shared random initial logits'),
  beta: num.positive().default(5).describe('logit margin of the optimal softmax table theta*_tau used by the task variance'),
  variance: section({
    steps: int.positive().default(100).describe('Adam steps of the KL task-variance minimization'),
    lr: num.positive().default(0.1).describe('its step size'),
  }).default({}),
});
export type BomrlConfig = Resolved<typeof schema>;
export type BomrlOverrides = Overrides<typeof schema>;
/** Check overrides and fill in the defaults; errors name the field. */
export const config = resolver('bomrl config', schema);

/** Sizes per scale: paper = the authors' task counts, 200 meta-iterations, 10 seeds; quick = a smoke run. */
export function sizes(s: Scale): { config: BomrlOverrides; seeds: number } {
  if (s === 'paper') return { config: {}, seeds: 10 };
  return {
    config: {
      high: { train: 4, test: 4 },
      low: { train: 4, test: 4 },
      iterations: 6,
      logEvery: 2,
      adaptSteps: 2,
      tuning: { kl: [0.3, 1], npg: [0.3, 1], pg: [0.01, 0.03], maml: [3, 10] },
      variance: { steps: 20 },
      sampledTraining: { episodes: 5 },
      evaluation: { episodes: 5 },
    },
    seeds: 2,
  };
}

const distanceOf: Record<string, Distance> = { 'bomrl-kl': 'kl', 'bomrl-npg': 'npg', 'bomrl-pg': 'pg' };

/** The hyperparameter grid of a method (joint and random have none). */
function gridOf(cfg: BomrlConfig, method: Method): number[] {
  if (method === 'maml') return cfg.tuning.maml;
  if (method in distanceOf) return cfg.tuning[distanceOf[method]];
  return [NaN];
}

/** Draw a distribution's maps. */
export function drawMaps(cfg: BomrlConfig, dist: DistributionName, rng: Rng): { train: string[][]; test: string[][] } {
  const d = cfg[dist], n = d.train + d.test, maps: string[][] = [];
  for (let i = 0; i < n; i++) maps.push(dist === 'high' ? randomHoleMap(cfg.high.maps, rng) : randomPenaltyMap(cfg.low.maps, rng));
  return { train: maps.slice(0, d.train), test: maps.slice(d.train) };
}

/** A meta-trained (or untrained) starting table and how it adapts. */
interface Trained {
  method: Method;
  /** Statistics of its meta-training. */
  train: Mode;
  phi: Float64Array;
  /** The hyperparameter kept (lambda or alpha; NaN for joint and random). */
  hyper: number;
  /** theta_0..theta_k on a task with an estimator. */
  adaptOn(mdp: LakeMdp, steps: number, estimate: Estimator): Float64Array[];
}

function algConfig(cfg: BomrlConfig, distance: Distance, lambda: number): AlgConfig {
  return boMrlConfig({ distance, lambda, inner: cfg.inner, adam: cfg.adam });
}

/** The tables of one unit (see `unit` for what each holds). */
export const TABLES = {
  tasks: { dist: 'string', split: 'string', task: 'int', map: 'string', Jstar: 'float' },
  variance: { dist: 'string', distance: 'string', variance: 'float', Jstar: 'float' },
  training: { dist: 'string', method: 'string', train: 'string', hyper: 'float', chosen: 'bool', iteration: 'int', before: 'float', objective: 'float' },
  tuning: { dist: 'string', method: 'string', hyper: 'float', objective: 'float', criterion: 'float', chosen: 'bool' },
  eval: { dist: 'string', method: 'string', train: 'string', mode: 'string', step: 'int', task: 'int', J: 'float', Jstar: 'float', gap: 'float' },
} as const;
type Tables = TablesOf<typeof TABLES>;
/** Rows of a run's tables (with `seed`), as report/bomrl.ts takes them. */
export type Saved = SavedRows<typeof TABLES>;
/** One point of a training curve. */
type CurvePoint = { iteration: number; before: number; objective: number };

/** Mean exact J over tasks of each table. */
function meanJ(mdps: readonly LakeMdp[], thetas: readonly Float64Array[]): number {
  let s = 0;
  mdps.forEach((m, i) => (s += exactEstimator(m, thetas[i]).J));
  return s / mdps.length;
}

/**
 * The method's own meta-objective on the tasks: mean exact J after one adaptation step,
 * the step computed from `estimate` (exact statistics by default).
 */
function objective(method: Method, cfg: BomrlConfig, hyper: number, mdps: readonly LakeMdp[], phi: Float64Array, estimate: Estimator = exactEstimator): number {
  const adapted = mdps.map((m) => {
    const st = estimate(m, phi);
    if (method === 'maml') return pgStep(phi, st.gradient, hyper);
    if (method in distanceOf) return adapt(phi, st, algConfig(cfg, distanceOf[method], hyper), m.A).theta;
    return phi;
  });
  return meanJ(mdps, adapted);
}

/**
 * Meta-train one method with one hyperparameter; curve rows every `logEvery` iterations:
 * the mean J of pi_phi on the training tasks and the method's meta-objective (mean J after
 * one adaptation step), both exact. With exact statistics they come free with the step;
 * with sampled ones they are computed exactly at the logged iterations (never used for learning).
 */
function trainOnce(method: Method, cfg: BomrlConfig, hyper: number, train: readonly LakeMdp[], phi0: Float64Array, estimate: Estimator): { phi: Float64Array; curve: CurvePoint[] } {
  const curve: CurvePoint[] = [];
  if (method === 'random') return { phi: phi0.slice(), curve };
  const exact = estimate === exactEstimator;
  const log = (iteration: number, phi: Float64Array, before: number, after: number) => {
    if (iteration % cfg.logEvery !== 0 && iteration !== cfg.iterations) return;
    if (!exact || iteration === cfg.iterations) {
      before = meanJ(train, train.map(() => phi));
      after = objective(method, cfg, hyper, train, phi);
    }
    curve.push({ iteration, before, objective: after });
  };
  let phi = phi0.slice();
  if (method === 'joint') {
    let s = jointInit(phi0);
    for (let it = 0; it < cfg.iterations; it++) {
      const r = jointStep(s, train, cfg.adam, estimate);
      log(it, s.theta, r.info.J, r.info.J);
      s = r.state;
    }
    phi = s.theta;
  } else if (method === 'maml') {
    let s = tabularMamlInit(phi0);
    const mamlCfg = tabularMamlConfig({ alpha: hyper, adam: cfg.adam });
    for (let it = 0; it < cfg.iterations; it++) {
      const r = tabularMamlStep(s, train, mamlCfg, estimate);
      log(it, s.phi, r.info.before, r.info.after);
      s = r.state;
    }
    phi = s.phi;
  } else {
    const bc = boMrlConfig({ ...algConfig(cfg, distanceOf[method], hyper), adam: cfg.adam });
    let s = boMrlInit(phi0);
    for (let it = 0; it < cfg.iterations; it++) {
      const r = boMrlStep(s, train, bc, estimate);
      log(it, s.phi, r.info.before, r.info.after);
      s = r.state;
    }
    phi = s.phi;
  }
  log(cfg.iterations, phi, NaN, NaN);
  return { phi, curve };
}

/**
 * One seed: the five tables.
 *   tasks     {dist, split, task, map, Jstar}
 *   variance  {dist, distance ("kl" | "l2"), variance, Jstar (mean over test tasks)}
 *   training  {dist, method, train ("exact" | "sampled" statistics), hyper, chosen, iteration, before, objective}
 *   tuning    {dist, method, hyper, objective (exact one-step J on the training tasks), criterion (what the choice maximizes), chosen}
 *   eval      {dist, method, train, mode ("exact" | "sampled" adaptation), step, task, J, Jstar, gap}
 */
export function unit(cfg: BomrlConfig, seed: number): Tables {
  const rng = new Rng(seed);
  const out: Tables = { tasks: [], variance: [], training: [], tuning: [], eval: [] };
  for (const dist of DISTRIBUTIONS) {
    const drng = rng.split();
    const maps = drawMaps(cfg, dist, drng.split());
    const train = maps.train.map((m) => lakeMdp(m, cfg.lake)), test = maps.test.map((m) => lakeMdp(m, cfg.lake));
    const optTrain = taskOptima(train, cfg.beta), optTest = taskOptima(test, cfg.beta);
    maps.train.forEach((m, task) => out.tasks.push({ dist, split: 'train', task, map: m.join('/'), Jstar: optTrain[task].J }));
    maps.test.forEach((m, task) => out.tasks.push({ dist, split: 'test', task, map: m.join('/'), Jstar: optTest[task].J }));
    // step 1: the task variance over the test tasks (samples of P(Gamma) the methods never saw)
    const meanStar = optTest.reduce((s, o) => s + o.J / optTest.length, 0);
    out.variance.push({ dist, distance: 'kl', variance: klTaskVariance(test, optTest, cfg.variance).value, Jstar: meanStar });
    out.variance.push({ dist, distance: 'l2', variance: l2TaskVariance(optTest), Jstar: meanStar });

    const phi0 = randomTable(train[0].S, train[0].A, drng.split(), cfg.initScale);
    const trained: Trained[] = [];
    const lambdaOf = (method: Method) => trained.find((t) => t.method === 'bomrl-kl' && t.train === 'exact')?.hyper ?? cfg.tuning.kl[Math.floor(cfg.tuning.kl.length / 2)];
    const keep = (method: Method, trainMode: Mode, phi: Float64Array, hyper: number) => {
      const lambda = method in distanceOf ? hyper : lambdaOf(method);
      const adaptOn = method === 'maml'
        ? (m: LakeMdp, k: number, e: Estimator) => pgSteps(m, phi, hyper, k, e)
        : (m: LakeMdp, k: number, e: Estimator) => adaptSteps(m, phi, algConfig(cfg, distanceOf[method] ?? 'kl', lambda), k, e);
      trained.push({ method, train: trainMode, phi, hyper: method === 'maml' ? hyper : lambda, adaptOn });
    };
    // step 2: every method with exact statistics, once per grid value; BO-MRL (KL) first, since
    // joint and random adapt with its lambda.
    const order = [...cfg.methods].sort((a, b) => Number(b === 'bomrl-kl') - Number(a === 'bomrl-kl'));
    for (const method of order) {
      const mrng = drng.split();
      const runs = gridOf(cfg, method).map((hyper) => ({ hyper, ...trainOnce(method, cfg, hyper, train, phi0, exactEstimator) }));
      const exactValue = (r: (typeof runs)[number]) => (r.curve.length > 0 ? r.curve[r.curve.length - 1].objective : objective(method, cfg, r.hyper, train, r.phi));
      const trng = mrng.split();
      const criterion = new Map(runs.map((r) => {
        if (cfg.tuning.criterion === 'exact') return [r, exactValue(r)];
        const estimate = sampledEstimator(cfg.evaluation.episodes, cfg.lake.horizon, trng);
        let v = 0;
        for (let k = 0; k < cfg.tuning.repeats; k++) v += objective(method, cfg, r.hyper, train, r.phi, estimate) / cfg.tuning.repeats;
        return [r, v];
      }));
      const best = runs.reduce((a, b) => (criterion.get(b)! > criterion.get(a)! ? b : a));
      for (const r of runs) {
        out.tuning.push({ dist, method, hyper: r.hyper, objective: exactValue(r), criterion: criterion.get(r)!, chosen: r === best });
        for (const c of r.curve) out.training.push({ dist, method, train: 'exact', hyper: r.hyper, chosen: r === best, ...c });
      }
      keep(method, 'exact', best.phi, best.hyper);
      // step 3: the sampled-statistics run, at the chosen hyperparameter
      if ((cfg.sampledTraining.methods as readonly string[]).includes(method)) {
        const r = trainOnce(method, cfg, best.hyper, train, phi0, sampledEstimator(cfg.sampledTraining.episodes, cfg.lake.horizon, mrng.split()));
        for (const c of r.curve) out.training.push({ dist, method, train: 'sampled', hyper: best.hyper, chosen: true, ...c });
        keep(method, 'sampled', r.phi, best.hyper);
      }
    }
    // step 4: meta-test on the held-out tasks
    for (const t of trained) {
      for (const mode of MODES) {
        const erng = drng.split();
        test.forEach((m, task) => {
          const estimate = mode === 'exact' ? exactEstimator : sampledEstimator(cfg.evaluation.episodes, cfg.lake.horizon, erng);
          t.adaptOn(m, cfg.adaptSteps, estimate).forEach((theta, step) => {
            const J = exactEstimator(m, theta).J;
            out.eval.push({ dist, method: t.method, train: t.train, mode, step, task, J, Jstar: optTest[task].J, gap: optTest[task].J - J });
          });
        });
      }
    }
  }
  return out;
}

export const experiment: Experiment<BomrlConfig, Overrides<typeof schema>, typeof TABLES> = {
  name: 'bo-mrl-optimality-gap',
  version: 1,
  tables: TABLES,
  resolve: config,
  unit,
};
