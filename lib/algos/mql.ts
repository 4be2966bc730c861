/**
 * Meta-Q-Learning (Fakoor, Chaudhari, Soatto & Smola, ICLR 2020): multi-task TD3 with a
 * recurrent context (lib/algos/td3.ts), then adaptation to a new task that recycles the
 * meta-training replay buffer through propensity weights and an ESS-scaled proximal term
 * (lib/algos/propensity.ts). Line numbers refer to the slides' Algorithm 1 and eq. 18-19.
 *
 * Meta-training (Algorithm 1):
 *   l.1-2  initialise the replay buffer and TD3's parameters theta           `initMql`
 *   l.3    while not done:                                                    `mqlStep`, once per iteration
 *   l.5-6    sample tasks D ~ D_meta, gather an episode of each with pi_theta,
 *            feeding the transitions through the context GRU; add them to the buffer
 *   l.7-8    sample mini-batches from the buffer, update theta (TD3, eq. 15)
 *   l.9-10 theta_meta <- theta; return theta_meta and the buffer
 *
 * Adaptation to a new task (slides "Meta-testing / Adaptation"), `adaptToTask`:
 *   1. collect D_new with the meta-trained policy;
 *   2. fit the propensity model on context features of D_new against D_meta; beta(tau) =
 *      P(tau in D_new) / P(tau in D_meta);
 *   3. ESS = (sum beta)^2 / (m sum beta^2), lambda = 1 - ESS;
 *   4. eq. 18: TD3 steps on D_new with the proximal term lambda/2 ||theta - theta_meta||^2;
 *      eq. 19: TD3 steps on D_meta with every loss weighted by beta, plus the proximal term;
 *   5. evaluate on the new task; restore theta_meta.
 *
 * References: R. Fakoor, P. Chaudhari, S. Soatto, A. J. Smola, "Meta-Q-Learning",
 * ICLR 2020, https://arxiv.org/abs/1910.00125 (code: github.com/amazon-research/meta-q-learning).
 */
import { ConfigError } from '../core/config';
import { Rng } from '../core/rng';
import { int, num, Resolved, resolver, section, z } from '../core/schema';
import { MetaEnv } from '../envs/meta-env';
import { gruForward } from '../policies/gru';
import { effectiveSampleSize, essProximalCoefficient, fitPropensity, propensitySchema, propensityWeights } from './propensity';
import { ReplayBuffer } from './replay-buffer';
import { actorMean, actorOf, cloneTd3, contextStep, initTd3, td3Nets, td3Schema, Td3State, td3Update } from './td3';
import { contextInputs, currentContexts, EpisodeBatch } from './td3-batch';
import { adamInit } from '../core/adam';

/** How a meta-trained policy adapts to a new task; the fields the Fig. 4 ablations change. */
export const adaptSchema = section({
  newEpisodes: int.positive().default(1).describe('episodes of D_new collected with the meta-trained policy (authors: 1)'),
  newSteps: int.min(0).default(10).describe('TD3 updates on D_new, eq. 18 (authors\' snap_iter_nums: 10)'),
  metaSteps: int.min(0).default(50).describe('TD3 updates on the meta-training buffer weighted by beta, eq. 19 (authors\' main_snap_iter_nums: 15-400)'),
  lr: num.positive().default(1e-3).describe('step size of the fresh Adam used while adapting (authors reset Adam to its default 1e-3)'),
  weights: z.enum(['propensity', 'uniform']).default('propensity').describe('"propensity": meta-buffer losses weighted by beta (MQL); "uniform": beta = 1 (ablation)'),
  proximal: z.enum(['ess', 'constant', 'none']).default('ess').describe('lambda of the proximal term: "ess" = 1 - ESS (the paper), "constant" (the authors\' default), "none" = 0 (ablation)'),
  proximalConstant: num.min(0).default(0.1).describe('lambda when proximal is "constant" (authors\' prox_coef: 0.1)'),
  propensity: propensitySchema.default({}).describe('the logistic-regression propensity model'),
});
export type AdaptConfig = Resolved<typeof adaptSchema>;
export const adaptConfig = resolver('adapt config', adaptSchema);

export const mqlSchema = section({
  td3: td3Schema.default({}).describe('TD3 and its context'),
  burnInEpisodes: int.min(0).default(2).describe('episodes of uniformly random actions per training task before learning (authors: num_initial_steps per task)'),
  episodesPerIteration: int.positive().default(5).describe('tasks sampled per iteration, one episode each (Alg. 1 l.5-6; authors\' num_tasks_sample: 5)'),
  updatesPerIteration: int.positive().default(50).describe('TD3 updates per iteration (Alg. 1 l.7-8; authors: about one per new transition)'),
  bufferEpisodes: int.positive().default(200).describe('episodes kept per training task (oldest overwritten)'),
  adapt: adaptSchema.default({}).describe('adaptation to a new task'),
});
export type MqlConfig = Resolved<typeof mqlSchema>;
export const mqlConfig = resolver('mql config', mqlSchema);

type Field = 'obs' | 'action' | 'reward' | 'next' | 'done' | 'valid';

/** Meta-training state: the learner, one episode buffer per training task, counters. */
export interface MqlState {
  cfg: MqlConfig;
  env: MetaEnv;
  td3: Td3State;
  /** per training task: episodes of exactly `horizon` rows (padding rows have valid = 0) */
  buffers: ReplayBuffer<Field>[];
  rng: Rng;
  iteration: number;
  envSteps: number;
}

function checkHistory(cfg: MqlConfig, env: MetaEnv): void {
  if (cfg.td3.input === 'context' && cfg.td3.historyLength < env.horizon) {
    throw new ConfigError('mql config', 'td3.historyLength', `must be >= the horizon (${env.horizon}): the context runs over whole episodes, got ${cfg.td3.historyLength}`);
  }
}

/** Alg. 1 l.1-2: fresh TD3 parameters, buffers filled with `burnInEpisodes` random episodes per training task. */
export function initMql(env: MetaEnv, cfg: MqlConfig, rng: Rng): MqlState {
  checkHistory(cfg, env);
  const T = env.horizon, S = env.stateDim, A = env.actionDim;
  const spec = { obs: S, action: A, reward: 1, next: S, done: 1, valid: 1 };
  const s: MqlState = {
    cfg, env, td3: initTd3(td3Nets(S, A, cfg.td3), rng.split()),
    buffers: Array.from({ length: env.nTrain }, () => new ReplayBuffer<Field>(spec, cfg.bufferEpisodes * T)),
    rng, iteration: 0, envSteps: 0,
  };
  for (let k = 0; k < cfg.burnInEpisodes; k++) {
    const tasks = Int32Array.from({ length: env.nTrain }, (_, i) => i);
    store(s, collect(s, s.td3, 'train', tasks, 'random', rng).batch);
  }
  return s;
}

/** Episodes collected in one batched rollout, and each episode's return. */
export interface Collected {
  batch: EpisodeBatch;
  /** undiscounted return per episode [E] */
  returns: Float32Array;
}

/**
 * Run one episode per entry of `tasks` at once (Alg. 1 l.6): actions from the actor with
 * its context stepped along ("explore": plus N(0, explNoise) noise, clipped; "greedy": the
 * mean; "random": uniform in [-1, 1]).
 */
export function collect(s: MqlState, learner: Td3State, split: 'train' | 'test', tasks: Int32Array, mode: 'explore' | 'greedy' | 'random', rng: Rng): Collected {
  const env = s.env, E = tasks.length, T = env.horizon, S = env.stateDim, A = env.actionDim;
  const actor = actorOf(learner), C = learner.nets.C;
  const b: EpisodeBatch = {
    E, T, obs: new Float32Array(E * T * S), action: new Float32Array(E * T * A), reward: new Float32Array(E * T),
    next: new Float32Array(E * T * S), done: new Float32Array(E * T), valid: new Float32Array(E * T), task: Int32Array.from(tasks),
  };
  const returns = new Float32Array(E);
  let state = env.reset(E);
  let zc = new Float32Array(E * C);
  const live = new Uint8Array(E).fill(1);
  for (let t = 0; t < T; t++) {
    let a: Float32Array;
    if (mode === 'random') {
      a = new Float32Array(E * A);
      for (let i = 0; i < a.length; i++) a[i] = rng.uniform(-1, 1);
    } else {
      a = actorMean(actor, state, zc, E);
      if (mode === 'explore') for (let i = 0; i < a.length; i++) a[i] = Math.max(-1, Math.min(1, a[i] + s.cfg.td3.explNoise * rng.normal()));
    }
    const r = env.step(split, tasks, state, a, rng);
    for (let e = 0; e < E; e++) {
      if (!live[e]) continue;
      const k = e * T + t;
      for (let j = 0; j < S; j++) {
        b.obs[k * S + j] = state[e * S + j];
        b.next[k * S + j] = r.state[e * S + j];
      }
      for (let j = 0; j < A; j++) b.action[k * A + j] = a[e * A + j];
      b.reward[k] = r.reward[e];
      b.done[k] = r.done[e];
      b.valid[k] = 1;
      returns[e] += r.reward[e];
      if (r.done[e]) live[e] = 0;
    }
    if (C > 0) zc = contextStep(actor, zc, a, r.reward, state, E);
    state = r.state;
    s.envSteps += E;
  }
  return { batch: b, returns };
}

/** Add collected episodes to their tasks' buffers (training tasks only). */
export function store(s: MqlState, b: EpisodeBatch): void {
  const T = b.T, S = s.env.stateDim, A = s.env.actionDim;
  for (let e = 0; e < b.E; e++) {
    const o = e * T;
    s.buffers[b.task[e]].add({
      obs: b.obs.subarray(o * S, (o + T) * S), action: b.action.subarray(o * A, (o + T) * A), reward: b.reward.subarray(o, o + T),
      next: b.next.subarray(o * S, (o + T) * S), done: b.done.subarray(o, o + T), valid: b.valid.subarray(o, o + T),
    }, T);
  }
}

/** E whole episodes from the meta-training buffer: tasks uniformly, then an episode of the task uniformly. */
export function sampleEpisodes(s: MqlState, E: number, rng: Rng): EpisodeBatch {
  const T = s.env.horizon, S = s.env.stateDim, A = s.env.actionDim;
  const b: EpisodeBatch = {
    E, T, obs: new Float32Array(E * T * S), action: new Float32Array(E * T * A), reward: new Float32Array(E * T),
    next: new Float32Array(E * T * S), done: new Float32Array(E * T), valid: new Float32Array(E * T), task: new Int32Array(E),
  };
  for (let e = 0; e < E; e++) {
    let task = rng.int(s.buffers.length), tries = 0;
    while (s.buffers[task].size === 0 && tries++ < 1000) task = rng.int(s.buffers.length);
    const buf = s.buffers[task];
    if (buf.size === 0) throw new RangeError('sampleEpisodes: every task buffer is empty');
    const ep = rng.int(buf.size / T), d = buf.data;
    b.task[e] = task;
    b.obs.set(d.obs.subarray(ep * T * S, (ep + 1) * T * S), e * T * S);
    b.next.set(d.next.subarray(ep * T * S, (ep + 1) * T * S), e * T * S);
    b.action.set(d.action.subarray(ep * T * A, (ep + 1) * T * A), e * T * A);
    b.reward.set(d.reward.subarray(ep * T, (ep + 1) * T), e * T);
    b.done.set(d.done.subarray(ep * T, (ep + 1) * T), e * T);
    b.valid.set(d.valid.subarray(ep * T, (ep + 1) * T), e * T);
  }
  return b;
}

/** What one meta-training iteration reports. */
export interface MqlStepInfo {
  iteration: number;
  /** TD3 updates so far */
  updates: number;
  envSteps: number;
  /** mean return of this iteration's exploration episodes */
  trainReturn: number;
  qLoss: number;
}

/** One iteration of Algorithm 1 (l.4-8). */
export function mqlStep(s: MqlState): MqlStepInfo {
  const { cfg, env, rng } = s;
  // l.5-6: sample tasks, gather an episode of each with pi_theta (+ exploration noise), add to the buffer
  const tasks = Int32Array.from({ length: cfg.episodesPerIteration }, () => rng.int(env.nTrain));
  const got = collect(s, s.td3, 'train', tasks, 'explore', rng);
  store(s, got.batch);
  // l.7-8: mini-batches from the buffer, TD3 updates of theta
  let qLoss = 0;
  for (let k = 0; k < cfg.updatesPerIteration; k++) {
    qLoss += td3Update(s.td3, sampleEpisodes(s, cfg.td3.batchEpisodes, rng), cfg.td3, rng).qLoss;
  }
  s.iteration++;
  let ret = 0;
  for (const r of got.returns) ret += r;
  return { iteration: s.iteration, updates: s.td3.updates, envSteps: s.envSteps, trainReturn: ret / tasks.length, qLoss: qLoss / cfg.updatesPerIteration };
}

/** Greedy return on each of `tasks` of a split, averaged over `episodes` episodes per task. */
export function evaluate(s: MqlState, learner: Td3State, split: 'train' | 'test', tasks: readonly number[], episodes: number, rng: Rng): Float32Array {
  const ids = new Int32Array(tasks.length * episodes);
  for (let i = 0; i < tasks.length; i++) for (let k = 0; k < episodes; k++) ids[i * episodes + k] = tasks[i];
  const { returns } = collect(s, learner, split, ids, 'greedy', rng);
  const out = new Float32Array(tasks.length);
  for (let i = 0; i < ids.length; i++) out[Math.floor(i / episodes)] += returns[i] / episodes;
  return out;
}

/** The actor's context features z_t of every valid row of a batch, [rows, C] (rows in batch order). */
export function contextFeatures(learner: Td3State, b: EpisodeBatch): { feats: Float32Array; rows: number[] } {
  const n = learner.nets, { S, A, C } = n;
  if (!n.gru) throw new RangeError('contextFeatures: the learner has no context (td3.input is "state")');
  const theta = n.separate ? learner.actor.subarray(0, n.actorGru) : learner.critic.subarray(0, n.criticGru);
  const z = currentContexts(gruForward(theta, n.gru, contextInputs(b, S, A), b.E, b.T), b.E, b.T, C);
  const rows: number[] = [];
  for (let k = 0; k < b.E * b.T; k++) if (b.valid[k]) rows.push(k);
  const feats = new Float32Array(rows.length * C);
  rows.forEach((k, i) => feats.set(z.subarray(k * C, (k + 1) * C), i * C));
  return { feats, rows };
}

/** What adapting to one task gives. */
export interface AdaptResult {
  /** greedy return of theta_meta and of the adapted parameters on the task */
  before: number;
  after: number;
  /** return of the D_new episodes themselves */
  dataReturn: number;
  ess: number;
  lambda: number;
  /** training accuracy of the propensity model */
  accuracy: number;
  /** beta of the meta-training transitions used for the fit (the ESS sample) */
  beta: Float32Array;
}

/**
 * Adapt theta_meta to held-out task `task` (steps 1-5 in the file comment), evaluate with
 * `evalEpisodes` greedy episodes, and leave `s.td3` as it was (theta_meta restored).
 */
export function adaptToTask(s: MqlState, task: number, a: AdaptConfig, evalEpisodes: number, rng: Rng): AdaptResult {
  const meta = s.td3, cfg = s.cfg;
  if (!meta.nets.gru) throw new ConfigError('mql config', 'td3.input', 'must be "context" to adapt with propensity weights, got "state"');
  const before = evaluate(s, meta, 'test', [task], evalEpisodes, rng)[0];
  // 1. D_new with the meta-trained policy
  const dnew = collect(s, meta, 'test', new Int32Array(a.newEpisodes).fill(task), 'greedy', rng);
  const dataReturn = dnew.returns.reduce((p, q) => p + q, 0) / a.newEpisodes;
  // 2. propensity model on context features: D_new (class 1) against D_meta (class 0)
  const C = meta.nets.C;
  const fNew = contextFeatures(meta, dnew.batch).feats;
  const nNew = fNew.length / C;
  const metaEpisodes = Math.max(1, Math.ceil((a.propensity.metaSamples * nNew) / s.env.horizon));
  const fMeta = contextFeatures(meta, sampleEpisodes(s, metaEpisodes, rng)).feats;
  const prop = fitPropensity(fNew, fMeta, C, a.propensity);
  const betaFit = propensityWeights(prop, fMeta);
  // 3. ESS and lambda
  const ess = effectiveSampleSize(betaFit);
  const lambda = a.proximal === 'ess' ? essProximalCoefficient(ess, a.propensity) : a.proximal === 'constant' ? a.proximalConstant : 0;
  // 4. eq. 18 on D_new, then eq. 19 on D_meta, from theta_meta with a fresh Adam
  const work = cloneTd3(meta);
  work.criticAdam = adamInit(work.critic.length);
  work.actorAdam = adamInit(work.actor.length);
  const td3 = { ...cfg.td3, lr: a.lr };
  const prox = { lambda, critic: meta.critic, actor: meta.actor };
  for (let k = 0; k < a.newSteps; k++) td3Update(work, dnew.batch, td3, rng, { prox });
  for (let k = 0; k < a.metaSteps; k++) {
    const b = sampleEpisodes(s, cfg.td3.batchEpisodes, rng);
    let beta: Float32Array | null = null;
    if (a.weights === 'propensity') {
      const { feats, rows } = contextFeatures(work, b);
      const w = propensityWeights(prop, feats);
      beta = new Float32Array(b.E * b.T);
      rows.forEach((row, i) => (beta![row] = w[i]));
    }
    td3Update(work, b, td3, rng, { beta, prox });
  }
  // 5. evaluate the adapted parameters; theta_meta stays in s.td3 (work is dropped)
  const after = evaluate(s, work, 'test', [task], evalEpisodes, rng)[0];
  return { before, after, dataReturn, ess, lambda, accuracy: prop.model.accuracy, beta: betaFit };
}
