/**
 * MAML with a Gaussian policy and VPG inner steps on point navigation (Finn, Abbeel &
 * Levine 2017, Alg. 3 "MAML for Reinforcement Learning"; 2D navigation, Sec. 5.3), in the
 * shape of maml.ts and of the survey slides' k-step derivation:
 *
 *   Alg. 3, l.3:  sample a batch of tasks T_i ~ p(T)
 *          l.5:  sample K trajectories D with f_theta on T_i
 *          l.6:  evaluate grad L_{T_i}(f_theta) on D (the VPG surrogate)
 *          l.7:  theta'_i = theta - alpha grad L_{T_i}(f_theta)           (k steps: theta_0 = theta, theta_j = theta_{j-1} - alpha grad L(theta_{j-1}))
 *          l.8:  sample trajectories D'_i with f_{theta'_i} on T_i
 *          l.10: theta <- theta - beta grad_theta sum_i L_{T_i}(f_{theta'_i}) on D'_i
 *                (second order: g = grad L^(1)(theta_k) . prod_j (I - alpha Hess L^(0)(theta_{j-1}));
 *                 first order: g = grad L^(1)(theta_k)); Adam instead of the paper's TRPO
 *
 * Tasks are rewards of the next state (envs/nav-tasks.ts): hand-designed goal tasks and
 * DIAYN's self-proposed skill tasks go through the same code. As in Finn et al., sampled
 * trajectories are held fixed when differentiating. The second-order gradient runs
 * through the Gaussian log-density of gaussian-mlp.ts (written with a twice-
 * differentiable exp); tests check it against finite differences.
 *
 * API kept stable for the other experiments that compare against MAML:
 *   gaussianMamlConfig(overrides) -> GaussianMamlConfig
 *   gaussianMamlInit(theta) -> state;  gaussianMamlStep(state, tasks, cfg, env, spec, rng) -> { state, info }
 *   gaussianAdapt(theta, task, cfg, updates, evalEpisodes, env, spec, rng) -> returns after 0..updates steps
 *
 * References: C. Finn, P. Abbeel, S. Levine, "Model-Agnostic Meta-Learning for Fast
 * Adaptation of Deep Networks", ICML 2017, https://arxiv.org/abs/1703.03400.
 */
import type * as TF from '@tensorflow/tfjs';
import { adamInit, adamSchema, adamStep, AdamState } from '../core/adam';
import { int, num, Resolved, resolver, section, z } from '../core/schema';
import { Rng } from '../core/rng';
import { tf } from '../core/tf';
import { NavReward } from '../envs/nav-tasks';
import { PointNavConfig } from '../envs/point-nav';
import { GaussianSpec } from '../policies/gaussian-mlp';
import { meanNavReturn, navRewards, rolloutNavOne } from '../policies/nav-rollout';
import { gaussianSgdStep, gaussianVpgLossTf, navAdvantages, NavSamples, navSamplesToTensors } from './gaussian-vpg';

export const gaussianMamlSchema = section({
  innerSteps: int.positive().default(1).describe('inner VPG steps k per task'),
  alpha: num.positive().default(0.1).describe('inner step size alpha (plain gradient descent on the normalised-advantage VPG surrogate; Finn et al.: 0.1)'),
  order: z.enum(['second', 'first']).default('second').describe('"second": exact meta-gradient through the inner steps; "first": first-order approximation'),
  metaBatch: int.positive().default(20).describe('tasks per meta-update (Finn et al., 2D navigation: 20)'),
  K: int.positive().default(20).describe('trajectories per inner and outer batch (Finn et al.: 20)'),
  gamma: num.min(0).max(1).default(0.99).describe('discount of the VPG surrogate'),
  adam: adamSchema.default({ lr: 0.01 }).describe('outer (meta) optimizer; the paper uses TRPO'),
});
export type GaussianMamlConfig = Resolved<typeof gaussianMamlSchema>;
export const gaussianMamlConfig = resolver('gaussian maml config', gaussianMamlSchema);

type Tensors = ReturnType<typeof navSamplesToTensors>;

/** One inner step inside the graph: theta - alpha grad L(theta) (l.7). Second order keeps grad L's dependence on theta. */
function innerStepTf(theta: TF.Tensor1D, t: Tensors, alpha: number, order: 'second' | 'first', spec: GaussianSpec): TF.Tensor1D {
  const g = tf.grad((th: TF.Tensor) => gaussianVpgLossTf(th as TF.Tensor1D, t.obs, t.actions, t.adv, spec))(theta) as TF.Tensor1D;
  const step = order === 'second' ? g : tf.tensor1d(g.dataSync() as Float32Array); // first order: a constant, cut from the tape
  return tf.sub(theta, tf.mul(alpha, step)) as TF.Tensor1D;
}

/**
 * The meta-gradient of one task (l.10): grad_theta L^(1)(theta_k(theta)), inner and outer
 * samples held fixed. Returns it with the meta-loss.
 * @param inner the k inner batches, inner[j] collected with theta_j
 * @param outer the outer batch, collected with theta_k
 */
export function gaussianMamlMetaGradient(theta: Float32Array, inner: readonly NavSamples[], outer: NavSamples,
  cfg: Pick<GaussianMamlConfig, 'alpha' | 'order'>, spec: GaussianSpec): { grad: Float32Array; loss: number } {
  const [g, l] = tf.tidy(() => {
    const ins = inner.map((s) => navSamplesToTensors(s, spec));
    const out = navSamplesToTensors(outer, spec);
    const metaLoss = (th: TF.Tensor): TF.Scalar => {
      let t = th as TF.Tensor1D;
      for (const batch of ins) t = innerStepTf(t, batch, cfg.alpha, cfg.order, spec);
      return gaussianVpgLossTf(t, out.obs, out.actions, out.adv, spec);
    };
    const { value, grad } = tf.valueAndGrad(metaLoss)(tf.tensor1d(theta));
    return [grad, value];
  });
  const grad = g.dataSync().slice() as Float32Array;
  const loss = l.dataSync()[0];
  tf.dispose([g, l]);
  return { grad, loss };
}

/** The meta-objective's value L^(1)(theta_k(theta)) only (for finite-difference checks). */
export function gaussianMamlMetaLoss(theta: Float32Array, inner: readonly NavSamples[], outer: NavSamples, alpha: number, spec: GaussianSpec): number {
  return tf.tidy(() => {
    let t = tf.tensor1d(theta);
    for (const s of inner) t = innerStepTf(t, navSamplesToTensors(s, spec), alpha, 'second', spec);
    const o = navSamplesToTensors(outer, spec);
    return gaussianVpgLossTf(t, o.obs, o.actions, o.adv, spec).dataSync()[0];
  });
}

export interface GaussianMamlState {
  theta: Float32Array;
  adam: AdamState;
  iteration: number;
}

export function gaussianMamlInit(theta: Float32Array): GaussianMamlState {
  return { theta: theta.slice(), adam: adamInit(theta.length), iteration: 0 };
}

export interface GaussianMamlStepInfo {
  /** Indices into `tasks` of the meta-batch. */
  tasks: number[];
  /** Mean return before adaptation (first inner batch) and after k steps (outer batch). */
  preReturn: number;
  postReturn: number;
  /** Mean meta-loss over the meta-batch. */
  metaLoss: number;
}

/**
 * One meta-update (Alg. 3, l.3-10) over `metaBatch` tasks drawn uniformly from `tasks`.
 * @param tasks the meta-training distribution, as rewards of the next state
 */
export function gaussianMamlStep(s: GaussianMamlState, tasks: readonly NavReward[], cfg: GaussianMamlConfig, env: PointNavConfig,
  spec: GaussianSpec, rng: Rng): { state: GaussianMamlState; info: GaussianMamlStepInfo } {
  if (tasks.length === 0) throw new RangeError('gaussianMamlStep: no tasks to meta-train on');
  const grad = new Float32Array(s.theta.length);
  const picked: number[] = [];
  let pre = 0, post = 0, loss = 0;
  for (let m = 0; m < cfg.metaBatch; m++) {
    const i = rng.int(tasks.length); // l.3
    picked.push(i);
    const task = tasks[i];
    const inner: NavSamples[] = [];
    let th = s.theta;
    for (let j = 0; j < cfg.innerSteps; j++) {
      const batch = rolloutNavOne(th, cfg.K, env, spec, rng); // l.5
      const r = navRewards(batch, () => task);
      if (j === 0) pre += meanNavReturn(r, batch.B);
      const samples = navAdvantages(batch, r, cfg.gamma);
      inner.push(samples);
      th = gaussianSgdStep(th, samples, spec, cfg.alpha); // l.6-7
    }
    const outerBatch = rolloutNavOne(th, cfg.K, env, spec, rng); // l.8
    const rOut = navRewards(outerBatch, () => task);
    post += meanNavReturn(rOut, outerBatch.B);
    const g = gaussianMamlMetaGradient(s.theta, inner, navAdvantages(outerBatch, rOut, cfg.gamma), cfg, spec); // l.10
    loss += g.loss;
    for (let p = 0; p < grad.length; p++) grad[p] += g.grad[p] / cfg.metaBatch;
  }
  const next = adamStep(s.theta, grad, s.adam, cfg.adam);
  return {
    state: { theta: next.theta, adam: next.state, iteration: s.iteration + 1 },
    info: { tasks: picked, preReturn: pre / cfg.metaBatch, postReturn: post / cfg.metaBatch, metaLoss: loss / cfg.metaBatch },
  };
}

/**
 * Fast adaptation at meta-test time: from theta, `updates` VPG steps of size alpha on K
 * fresh episodes each (the inner rule of meta-training, continued past k). After every
 * step, and before the first, the mean return of `evalEpisodes` separate episodes.
 * @returns mean returns after 0..updates steps (length updates + 1) and the adapted parameters
 */
export function gaussianAdapt(theta: Float32Array, task: NavReward, cfg: Pick<GaussianMamlConfig, 'alpha' | 'K' | 'gamma'>, updates: number,
  evalEpisodes: number, env: PointNavConfig, spec: GaussianSpec, rng: Rng): { returns: number[]; theta: Float32Array } {
  const returns: number[] = [];
  let th = theta;
  for (let k = 0; k <= updates; k++) {
    const evalBatch = rolloutNavOne(th, evalEpisodes, env, spec, rng);
    returns.push(meanNavReturn(navRewards(evalBatch, () => task), evalBatch.B));
    if (k === updates) break;
    const batch = rolloutNavOne(th, cfg.K, env, spec, rng);
    th = gaussianSgdStep(th, navAdvantages(batch, navRewards(batch, () => task), cfg.gamma), spec, cfg.alpha);
  }
  return { returns, theta: th };
}
