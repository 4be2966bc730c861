/**
 * Fair step sizes for Figure 1: every method gets the same tuning budget over its own
 * step sizes, chosen on held-out *support* types, never on the query types.
 *
 *   method            tuned (config paths of experiments/fig1.ts)
 *   caml              the VPG step size of its per-policy updates
 *   joint             its VPG step size
 *   pretrain-same     its VPG step size
 *   pretrain-other    its VPG step size
 *   reptile           the inner VPG step size and the interpolation epsilon
 *   maml, maml-fo     the inner step alpha and the meta step (Adam on the meta-gradient)
 *   bomrl             lambda, the weight of the KL to the meta-policy in its adaptation
 *   random            nothing (it does not train)
 *
 * Budget: the same number of settings per method (a log-spaced grid of one step size,
 * or a 3 x 3 / 2 x 2 grid of two), each over the same seeds, each setting a full Fig. 1
 * training run of that method (same iterations, batch size, initialization). A tuning
 * run trains on the support types minus the validation types, with Fig. 1's query types
 * held out of everything (`heldOutTypes`), and adapts to the validation types under the
 * equal-experience protocol. Its score is the mean evaluation return over validation
 * types and every point of the adaptation curve (updates 0..U, the area under the curve),
 * per seed; the chosen setting has the best mean score over seeds.
 *
 * Each (setting, seed) is a Fig. 1 unit in the cache (experiments/sweep.ts), so the
 * tuning loads at once when nothing changed, and the Fig. 1 notebook can ask for the
 * chosen settings without recomputing them.
 */
import { Overrides } from '../core/schema';
import { Row } from '../core/row';
import { Scale } from '../core/scale';
import { DEFAULT_QUERY_TYPES } from '../envs/testbed';
import * as fig1 from './fig1';
import { MethodName } from './fig1';
import { RunOptions } from './runner';
import { chooseSetting, grid, Point, roundSignificant, runSweeps, settingScores, SweepResult, Value, withPoints } from './sweep';

type Fig1Overrides = Overrides<typeof fig1.schema>;

/** The config paths each method's tuning sweeps. */
export const TUNED_PATHS: Record<MethodName, readonly string[]> = {
  caml: ['caml.vpg.adam.lr'],
  joint: ['joint.vpg.adam.lr'],
  'pretrain-same': ['pretrainSame.vpg.adam.lr'],
  'pretrain-other': ['pretrainOther.vpg.adam.lr'],
  reptile: ['reptile.vpg.adam.lr', 'reptile.epsilon'],
  random: [],
  maml: ['maml.alpha', 'maml.adam.lr'],
  'maml-fo': ['mamlFo.alpha', 'mamlFo.adam.lr'],
  bomrl: ['bomrl.lambda'],
};

/** Names of the tuned paths, for tables and charts. */
export const PATH_LABELS: Record<string, string> = {
  'caml.vpg.adam.lr': 'VPG step size', 'joint.vpg.adam.lr': 'VPG step size', 'pretrainSame.vpg.adam.lr': 'VPG step size',
  'pretrainOther.vpg.adam.lr': 'VPG step size', 'reptile.vpg.adam.lr': 'inner VPG step size', 'reptile.epsilon': 'epsilon',
  'maml.alpha': 'inner alpha', 'maml.adam.lr': 'meta step size', 'mamlFo.alpha': 'inner alpha', 'mamlFo.adam.lr': 'meta step size',
  'bomrl.lambda': 'lambda',
};

export interface TuningPlan {
  /** Fig. 1 overrides of every tuning run (methods set per sweep). */
  base: Fig1Overrides;
  /** Support types adapted to in tuning (never trained on there). */
  validationTypes: number[];
  /** Fig. 1's query types at this scale: held out of tuning altogether. */
  queryTypes: number[];
  /** The settings of each method that has something to tune; every list has the same length. */
  spaces: Partial<Record<MethodName, Point[]>>;
  seeds: number[];
}

/** Nine log-spaced step sizes from 0.001 to 0.1 (a quarter decade apart). */
const LR9 = [0.001, 0.00178, 0.00316, 0.00562, 0.01, 0.0178, 0.0316, 0.0562, 0.1];

/**
 * What to sweep at each scale. Paper: 9 settings x 3 seeds per method, on validation types
 * 2, 10, 18 (variant 2 of latent groups 0, 2, 4); quick: 4 settings x 1 seed on type 2.
 */
export function plan(s: Scale): TuningPlan {
  const sizes = fig1.sizes(s).config as Fig1Overrides;
  const queryTypes = (sizes.queryTypes as number[] | undefined) ?? [...DEFAULT_QUERY_TYPES];
  const paper = s === 'paper';
  const validationTypes = paper ? [2, 10, 18] : [2];
  const one = (path: string) => grid({ [path]: paper ? LR9 : [0.003, 0.01, 0.03, 0.1] });
  const two = (a: string, av: Value[], b: string, bv: Value[]) => grid({ [a]: av, [b]: bv });
  const spaces: Partial<Record<MethodName, Point[]>> = {
    caml: one('caml.vpg.adam.lr'),
    joint: one('joint.vpg.adam.lr'),
    'pretrain-same': one('pretrainSame.vpg.adam.lr'),
    'pretrain-other': one('pretrainOther.vpg.adam.lr'),
    reptile: paper ? two('reptile.vpg.adam.lr', [0.003, 0.01, 0.03], 'reptile.epsilon', [0.1, 0.25, 0.5]) : two('reptile.vpg.adam.lr', [0.01, 0.03], 'reptile.epsilon', [0.25, 0.5]),
    maml: paper ? two('maml.alpha', [0.03, 0.1, 0.3], 'maml.adam.lr', [0.003, 0.01, 0.03]) : two('maml.alpha', [0.1, 0.3], 'maml.adam.lr', [0.01, 0.03]),
    'maml-fo': paper ? two('mamlFo.alpha', [0.03, 0.1, 0.3], 'mamlFo.adam.lr', [0.003, 0.01, 0.03]) : two('mamlFo.alpha', [0.1, 0.3], 'mamlFo.adam.lr', [0.01, 0.03]),
    // lambda around its default 1, log-spaced like the step sizes
    bomrl: grid({ 'bomrl.lambda': paper ? LR9.map((x) => roundSignificant(100 * x)) : [0.1, 0.3, 1, 3] }),
  };
  return {
    base: { ...sizes, queryTypes: validationTypes, heldOutTypes: queryTypes, protocols: ['equal-experience'] },
    validationTypes, queryTypes, spaces, seeds: paper ? [1000, 1001, 1002] : [1000],
  };
}

export interface Tuning {
  plan: TuningPlan;
  /** Per tuned method: its sweep (tables with its paths as columns). */
  sweeps: Partial<Record<MethodName, SweepResult<fig1.Fig1Config>>>;
  /** Per tuned method: one score per (setting, seed), its paths as columns. */
  scores: Partial<Record<MethodName, Row[]>>;
  /** Per tuned method: the chosen setting (path -> value). */
  chosen: Partial<Record<MethodName, Point>>;
}

/**
 * Run (or load) every method's tuning sweep at `scale` on one executor, score it and
 * choose each method's setting.
 */
export async function tune(s: Scale, opts: Omit<RunOptions, 'seeds' | 'executor'> = {}): Promise<Tuning> {
  const p = plan(s);
  const methods = (Object.keys(p.spaces) as MethodName[]);
  const units = methods.reduce((n, m) => n + p.spaces[m]!.length * p.seeds.length, 0);
  const log = opts.log ?? ((l: string) => console.log(l));
  const perSetting = p.spaces[methods[0]]!.length;
  log(`[fig1 tuning] ${methods.length} methods x ${perSetting} settings x ${p.seeds.length} seed(s) = ${units} units; adapting to validation types ${p.validationTypes.join(', ')}, query types ${p.queryTypes.join(', ')} held out`);
  const sweeps: Tuning['sweeps'] = await runSweeps('fig1 tuning', fig1.experiment, methods.map((m) => ({ key: m, base: { ...p.base, methods: [m] }, points: p.spaces[m]! })), { ...opts, log, seeds: p.seeds });
  const out: Tuning = { plan: p, sweeps, scores: {}, chosen: {} };
  for (const m of methods) {
    const params = TUNED_PATHS[m] as string[];
    out.scores[m] = settingScores(sweeps[m]!.tables.eval, params);
    out.chosen[m] = chooseSetting(out.scores[m]!, params);
  }
  return out;
}

/** Fig. 1 overrides with each method's chosen setting applied over `base`. */
export function withChosen(base: Fig1Overrides, chosen: Tuning['chosen']): Fig1Overrides {
  return withPoints(base, Object.values(chosen));
}
