/**
 * MAML for policy gradients (Finn, Abbeel & Levine 2017), with k inner VPG steps, as
 * written in the survey slides of N. Kan, "Transfer & Meta Reinforcement Learning"
 * (Shanghai Jiao Tong University, 2020; section "Model-Agnostic Meta-Learning", k inner
 * gradient steps). Paper 000 names MAML as future work (Sec. 5).
 *
 *   theta_0 = theta_meta                                                     (l.1)
 *   theta_i = theta_{i-1} - alpha grad L^(0)(theta_{i-1}),   i = 1..k         (l.2, inner VPG steps)
 *   g_MAML  = grad_{theta_k} L^(1)(theta_k) . prod_{i=1..k} (I - alpha Hess L^(0)(theta_{i-1}))   (l.3, second order)
 *   g_FO    = grad_{theta_k} L^(1)(theta_k)                                   (l.3', first-order approximation)
 *   theta_meta <- theta_meta - beta g   (Adam, averaged over a meta-batch of tasks)   (l.4)
 *
 * L^(0) is the VPG surrogate on trajectories of pi_{theta_{i-1}} on the task; L^(1) the
 * same surrogate on fresh trajectories of the adapted pi_{theta_k}. As in Finn et al.,
 * the sampled trajectories are held fixed when differentiating (the dependence of the
 * sampling distribution on theta is ignored; DiCE would add it). The second-order
 * gradient differentiates through the inner updates with tfjs (the twice-differentiable
 * log-softmax of policy.ts), which the tests check against finite differences.
 */
import type * as TF from '@tensorflow/tfjs';
import { adamInit, adamSchema, adamStep, AdamState } from '../core/adam';
import { int, num, Resolved, resolver, section, z, withDefaults } from '../core/schema';
import { Dynamics } from '../envs/particle';
import { logProbsTwiceTf, PolicySpec } from '../policies/softmax-mlp';
import { Rng } from '../core/rng';
import { rolloutOne } from '../policies/rollout';
import { tf } from '../core/tf';
import { advantages, samplesToTensors, StepSamples, vpgLossTf } from './vpg';

export type MamlOrder = 'second' | 'first';

export const MAML_ORDERS = ['second', 'first'] as const;

export const mamlSchema = section({
  innerSteps: int.positive().default(1).describe('inner gradient steps k'),
  alpha: num.positive().default(0.1).describe('inner step size alpha (plain gradient descent on the VPG surrogate)'),
  order: z.enum(MAML_ORDERS).default('second').describe('"second": exact meta-gradient through the inner updates; "first": first-order approximation'),
  metaBatch: int.positive().default(1).describe('tasks (entity types) per meta-update'),
  K: int.positive().default(10).describe('trajectories per inner and outer batch'),
  gamma: num.min(0).max(1).default(0.99).describe('discount of the VPG surrogate'),
  adam: withDefaults(adamSchema, { lr: 0.01 }).default({}).describe('outer (meta) optimizer'),
});
export type MamlConfig = Resolved<typeof mamlSchema>;
export const mamlConfig = resolver('maml config', mamlSchema);
export const MAML_DEFAULTS: MamlConfig = mamlConfig();

type Tensors = ReturnType<typeof samplesToTensors>;

/** One inner step inside the graph: theta - alpha grad L(theta). Second order keeps the gradient's dependence on theta. */
function innerStepTf(theta: TF.Tensor1D, t: Tensors, alpha: number, order: MamlOrder, spec: PolicySpec): TF.Tensor1D {
  const g = tf.grad((th: TF.Tensor) => vpgLossTf(th as TF.Tensor1D, t.states, t.actions, t.adv, spec, logProbsTwiceTf))(theta) as TF.Tensor1D;
  // First order: the inner gradient enters as a constant (its data, cut from the tape).
  const step = order === 'second' ? g : tf.tensor1d(g.dataSync() as Float32Array);
  return tf.sub(theta, tf.mul(alpha, step)) as TF.Tensor1D;
}

/**
 * The meta-objective of one task as a function of theta: L^(1)(theta_k(theta)), with the
 * inner and outer samples held fixed. Returns the meta-gradient (l.3 or l.3') and the loss.
 * @param inner the k inner batches, inner[i] collected with theta_i
 * @param outer the outer batch, collected with theta_k
 */
export function mamlMetaGradient(theta: Float32Array, inner: readonly StepSamples[], outer: StepSamples,
  cfg: Pick<MamlConfig, 'alpha' | 'order'>, spec: PolicySpec): { grad: Float32Array; loss: number } {
  const [g, l] = tf.tidy(() => {
    const ins = inner.map((s) => samplesToTensors(s, spec));
    const out = samplesToTensors(outer, spec);
    const metaLoss = (th: TF.Tensor): TF.Scalar => {
      let t = th as TF.Tensor1D;
      for (const batch of ins) t = innerStepTf(t, batch, cfg.alpha, cfg.order, spec);
      return vpgLossTf(t, out.states, out.actions, out.adv, spec, logProbsTwiceTf);
    };
    const { value, grad } = tf.valueAndGrad(metaLoss)(tf.tensor1d(theta));
    return [grad, value];
  });
  const grad = g.dataSync().slice() as Float32Array;
  const loss = l.dataSync()[0];
  tf.dispose([g, l]);
  return { grad, loss };
}

/** The meta-objective's value only (for finite-difference checks). */
export function mamlMetaLoss(theta: Float32Array, inner: readonly StepSamples[], outer: StepSamples, alpha: number, spec: PolicySpec): number {
  return tf.tidy(() => {
    let t = tf.tensor1d(theta);
    for (const s of inner) t = innerStepTf(t, samplesToTensors(s, spec), alpha, 'second', spec);
    const o = samplesToTensors(outer, spec);
    return vpgLossTf(t, o.states, o.actions, o.adv, spec, logProbsTwiceTf).dataSync()[0];
  });
}

/** Inner adaptation as plain numbers: theta - alpha grad L(theta) on one batch. */
export function innerStep(theta: Float32Array, samples: StepSamples, alpha: number, spec: PolicySpec): Float32Array {
  const out = tf.tidy(() => innerStepTf(tf.tensor1d(theta), samplesToTensors(samples, spec), alpha, 'first', spec).dataSync().slice());
  return out as Float32Array;
}

export interface MamlState {
  theta: Float32Array;
  adam: AdamState;
  iteration: number;
}

export function mamlInit(theta: Float32Array): MamlState {
  return { theta: theta.slice(), adam: adamInit(theta.length), iteration: 0 };
}

export interface MamlStepInfo {
  /** Types of the meta-batch. */
  types: number[];
  /** Mean return before adaptation (first inner batch) and after (outer batch). */
  preReturn: number;
  postReturn: number;
  /** Mean meta-loss over the meta-batch. */
  metaLoss: number;
}

/** One meta-update: for each sampled task, k inner steps on fresh batches, an outer batch, its meta-gradient; then Adam. */
export function mamlStep(s: MamlState, supportTypes: readonly number[], cfg: MamlConfig, dyn: Dynamics, spec: PolicySpec, rng: Rng): { state: MamlState; info: MamlStepInfo } {
  if (supportTypes.length === 0) throw new RangeError('mamlStep: no support types');
  const grad = new Float32Array(s.theta.length);
  const types: number[] = [];
  let pre = 0, post = 0, loss = 0;
  for (let m = 0; m < cfg.metaBatch; m++) {
    const type = rng.choice(supportTypes);
    types.push(type);
    const inner: StepSamples[] = [];
    let th = s.theta;
    for (let i = 0; i < cfg.innerSteps; i++) {
      const batch = rolloutOne(th, [type], cfg.K, dyn, spec, rng); // l.2: trajectories of pi_{theta_{i-1}}
      if (i === 0) pre += meanOf(batch.rewards, batch.B);
      const samples = advantages(batch, cfg.gamma);
      inner.push(samples);
      th = innerStep(th, samples, cfg.alpha, spec);
    }
    const outerBatch = rolloutOne(th, [type], cfg.K, dyn, spec, rng); // trajectories of the adapted policy
    post += meanOf(outerBatch.rewards, outerBatch.B);
    const g = mamlMetaGradient(s.theta, inner, advantages(outerBatch, cfg.gamma), cfg, spec); // l.3
    loss += g.loss;
    for (let j = 0; j < grad.length; j++) grad[j] += g.grad[j] / cfg.metaBatch;
  }
  const next = adamStep(s.theta, grad, s.adam, cfg.adam); // l.4
  return {
    state: { theta: next.theta, adam: next.state, iteration: s.iteration + 1 },
    info: { types, preReturn: pre / cfg.metaBatch, postReturn: post / cfg.metaBatch, metaLoss: loss / cfg.metaBatch },
  };
}

function meanOf(rewards: Float32Array, B: number): number {
  let s = 0;
  for (let i = 0; i < rewards.length; i++) s += rewards[i];
  return s / B;
}
