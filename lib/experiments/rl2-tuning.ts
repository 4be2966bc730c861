/**
 * Fair step sizes for the RL² / system identification / domain randomisation comparison:
 * the same tuning budget for each of the three methods, spent on validation types, never
 * on the query types (the protocol of fig1-tuning.ts, whose methods the notebook sets
 * beside these).
 *
 *   method   tuned (config path of experiments/rl2.ts)
 *   rl2      rl2.adam.lr         Adam step size of RL²'s PPO-clip update
 *   sysid    sysid.vpg.adam.lr   VPG step size of the estimate-conditioned policy
 *   dr       vpg.adam.lr         VPG step size of domain randomisation (joint training)
 *
 * Budget: the same log-spaced grid of step sizes for each method, each setting a full
 * training run (same iterations, batch sizes and training episodes as the experiment),
 * over the same seeds. A tuning run trains on the support types minus the validation
 * types, with the query types held out of everything (`heldOutTypes`), and is evaluated on
 * the validation types without a gradient step. Its score is the mean return over
 * validation types, trials and every episode of a trial, per seed; the chosen setting has
 * the best mean score over seeds. Each (setting, seed) is a unit in the cache.
 */
import { Overrides } from '../core/schema';
import { Row } from '../core/row';
import { Scale } from '../core/scale';
import { DEFAULT_QUERY_TYPES } from '../envs/testbed';
import * as rl2 from './rl2';
import { Rl2MethodName } from './rl2';
import { RunOptions } from './runner';
import { chooseSetting, grid, Point, runSweeps, settingScores, SweepResult, withPoints } from './sweep';

type Rl2Overrides = Overrides<typeof rl2.schema>;

/** The config path each method's tuning sweeps. */
export const TUNED_PATHS: Record<Rl2MethodName, string> = {
  rl2: 'rl2.adam.lr',
  sysid: 'sysid.vpg.adam.lr',
  dr: 'vpg.adam.lr',
};

export interface TuningPlan {
  /** Overrides of every tuning run (methods set per sweep). */
  base: Rl2Overrides;
  /** Support types evaluated in tuning (never trained on there). */
  validationTypes: number[];
  /** The experiment's query types at this scale: held out of tuning altogether. */
  queryTypes: number[];
  /** The step sizes every method tries (the same grid for each). */
  stepSizes: number[];
  seeds: number[];
}

/**
 * What to sweep at each scale. Paper: 5 step sizes half a decade apart (3e-4 to 3e-2, which
 * holds every method's default) x 3 seeds, on validation types 2, 10, 18 (Fig. 1's tuning
 * types); quick: 2 step sizes x 1 seed on type 2.
 */
export function plan(s: Scale): TuningPlan {
  const sizes = rl2.sizes(s).config;
  const queryTypes = (sizes.queryTypes as number[] | undefined) ?? [...DEFAULT_QUERY_TYPES];
  const paper = s === 'paper';
  const validationTypes = paper ? [2, 10, 18] : [2];
  return {
    base: { ...sizes, queryTypes: validationTypes, heldOutTypes: queryTypes },
    validationTypes, queryTypes,
    stepSizes: paper ? [0.0003, 0.001, 0.003, 0.01, 0.03] : [0.003, 0.03],
    seeds: paper ? [1000, 1001, 1002] : [1000],
  };
}

export interface Tuning {
  plan: TuningPlan;
  /** Per method: its sweep (tables with its path as a column). */
  sweeps: Partial<Record<Rl2MethodName, SweepResult<rl2.Rl2ExperimentConfig>>>;
  /** Per method: one score per (step size, seed), its path as a column. */
  scores: Partial<Record<Rl2MethodName, Row[]>>;
  /** Per method: the chosen setting (path -> value). */
  chosen: Partial<Record<Rl2MethodName, Point>>;
}

/**
 * Run (or load) the three sweeps at `scale` on one executor, score them and choose each
 * method's step size.
 * @param methods the methods to tune (default: all three)
 */
export async function tune(s: Scale, opts: Omit<RunOptions, 'seeds' | 'executor'> = {}, methods: readonly Rl2MethodName[] = rl2.RL2_METHODS): Promise<Tuning> {
  const p = plan(s);
  const units = methods.length * p.stepSizes.length * p.seeds.length;
  const log = opts.log ?? ((l: string) => console.log(l));
  log(`[rl2 tuning] ${methods.length} methods x ${p.stepSizes.length} step sizes x ${p.seeds.length} seed(s) = ${units} units; evaluating on validation types ${p.validationTypes.join(', ')}, query types ${p.queryTypes.join(', ')} held out`);
  const sweeps: Tuning['sweeps'] = await runSweeps('rl2 tuning', rl2.experiment, methods.map((m) => ({ key: m, base: { ...p.base, methods: [m] }, points: grid({ [TUNED_PATHS[m]]: p.stepSizes }) })), { ...opts, log, seeds: p.seeds });
  const out: Tuning = { plan: p, sweeps, scores: {}, chosen: {} };
  for (const m of methods) {
    const path = [TUNED_PATHS[m]];
    out.scores[m] = settingScores(sweeps[m]!.tables.eval, path);
    out.chosen[m] = chooseSetting(out.scores[m]!, path);
  }
  return out;
}

/** Overrides with each method's chosen step size applied over `base`. */
export function withChosen(base: Rl2Overrides, chosen: Tuning['chosen']): Rl2Overrides {
  return withPoints(base, Object.values(chosen));
}
