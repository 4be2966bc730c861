/**
 * PEARL: probabilistic embeddings for actor-critic meta-RL (Rakelly, Zhou, Quillen, Finn
 * & Levine, ICML 2019), on the point-navigation tasks of lib/envs/point-nav.ts.
 *
 * A context encoder q_phi(z | c) (lib/policies/context-encoder.ts) turns transitions of a
 * task into a posterior over a latent task variable z; SAC (sac.ts) is conditioned on z:
 * pi_theta(a | s, z), Q(s, a, z), V(s, z). The encoder learns only through the critic's
 * Bellman error plus beta KL(q(z|c) || N(0, I)); the policy and V see z held constant.
 * We keep the paper's value network with a soft target V_bar (SAC v1), not target Q nets.
 *
 * Algorithm 1 (meta-training), as numbered in the paper; `step()` is one pass of the
 * while loop, data first, then gradient steps:
 *
 *   1: initialise replay buffers B^i for each training task
 *   2: while not done do
 *   3:   for each T_i do                                   (tasksPerIteration sampled tasks)
 *   4:     initialise context c^i = {}
 *   5:     for k = 1, ..., K do
 *   6:       sample z ~ q_phi(z | c^i)                       (the prior while c^i = {})
 *   7:       gather data from pi_theta(a | s, z), add to B^i
 *   8:       update c^i = {(s_j, a_j, s'_j, r_j)} ~ B^i
 *   9:     end for
 *  10:   end for
 *  11:   for step in training steps do
 *  12:     for each T_i do                                 (a meta-batch of tasks)
 *  13:       sample context c^i ~ S_c(B^i) and RL batch b^i ~ B^i
 *  14:       sample z ~ q_phi(z | c^i)
 *  15:       L^i_actor = L_actor(b^i, z)
 *  16:       L^i_critic = L_critic(b^i, z)
 *  17:       L^i_KL = beta D_KL(q_phi(z | c^i) || r(z))
 *  18:     end for
 *  19:     phi <- phi - a1 grad_phi sum_i (L^i_critic + L^i_KL)
 *  20:     theta_pi <- theta_pi - a2 grad sum_i L^i_actor
 *  21:     theta_Q <- theta_Q - a3 grad sum_i L^i_critic
 *  22:   end for
 *  23: end while
 *
 * Data collection follows the authors' code: per sampled task, the encoder buffer is
 * cleared, then `stepsPrior` transitions are gathered with z drawn from the prior (fresh z
 * per trajectory), then `stepsPosterior` with z from the posterior given a context batch
 * drawn from the task's encoder buffer, re-inferred after every trajectory (l.6-8), then
 * `stepsExtraPosterior` that go to the RL buffer only. S_c (l.13) draws the context from
 * the encoder buffer (recent data), the RL batch from the RL buffer (all data): the
 * context and actor-critic batches are sampled separately (the paper's Fig. 6).
 *
 * Algorithm 2 (meta-testing), `metaTest`:
 *
 *   1: initialise context c^T = {}
 *   2: for k = 1, ..., K do
 *   3:   sample z ~ q_phi(z | c^T)
 *   4:   roll out pi_theta(a | s, z) to collect D_k^T
 *   5:   accumulate context c^T = c^T ∪ D_k^T
 *   6: end for
 *
 * Rewards: the critic learns from the dense reward -||s - g|| and the encoder reads the
 * sparse one, the authors' choice for this task (`rewards.critic`, `rewards.context`);
 * returns are always reported on the sparse reward, the task being solved.
 *
 * Speed: the gradient of l.13-21 is explicit backpropagation in one `tf.tidy`
 * (pearl-grads.ts), checked against tfjs autodiff of the same losses (pearl-autodiff.ts).
 * Rollouts are plain typed-array math, batched over tasks.
 *
 * References: K. Rakelly, A. Zhou, D. Quillen, C. Finn, S. Levine, "Efficient Off-Policy
 * Meta-Reinforcement Learning via Probabilistic Context Variables", ICML 2019,
 * https://arxiv.org/abs/1903.08254; settings from the authors' code,
 * github.com/katerakelly/oyster (configs/sparse-point-robot.json, configs/default.py).
 */
import { Rng } from '../core/rng';
import { int, num, Resolved, resolver, section, withDefaults, z } from '../core/schema';
import { GoalSplit, goalSplit, pointNavSchema, reset, step as envStep } from '../envs/point-nav';
import { EncoderSpec, encoderLayout, RunningPosterior } from '../policies/context-encoder';
import { initMlp } from '../policies/mlp';
import { emptyBatch, ReplayBuffer, sampleTasks, TransitionBatch } from './replay-buffer';
import { adamStepEach, flatSize, Learner, learner, softUpdate } from './off-policy';
import { learnersOf, MetaBatch, pearlGrads, PearlMetrics } from './pearl-grads';
import { act, initSac, sacNets, sacSchema, SacState } from './sac';

const reward = z.enum(['dense', 'sparse']);

export const pearlSchema = section({
  env: pointNavSchema.default({}).describe('the point-navigation tasks'),
  latent: int.positive().default(5).describe('size L of the latent context z (PEARL: 5)'),
  probabilistic: z.boolean().default(true).describe('Gaussian factors, posterior sampling and the KL term (PEARL); false = the deterministic-context ablation of Fig. 7'),
  encoderHidden: z.array(int.positive()).min(1).default([200, 200, 200]).describe('hidden sizes of the context encoder (PEARL: 3 x 200)'),
  klWeight: num.min(0).default(1).describe('beta, weight of the KL to the prior, summed over the meta-batch (PEARL sparse point robot: 1)'),
  contextLr: num.positive().default(3e-4).describe('Adam step size of the encoder'),
  sac: withDefaults(sacSchema, { discount: 0.9, rewardScale: 100 }).default({}).describe('SAC settings (PEARL sparse point robot: discount 0.9, reward scale 100, 3 x 300 networks)'),
  rewards: section({
    critic: reward.default('dense').describe('reward in the Q target (authors: dense)'),
    context: reward.default('sparse').describe('reward in the encoder context (authors: sparse)'),
  }).default({}),
  metaBatch: int.positive().default(16).describe('tasks per gradient step (PEARL: 16)'),
  batchSize: int.positive().default(256).describe('RL transitions per task per gradient step (PEARL: 256)'),
  contextBatch: int.positive().default(1024).describe('context transitions per task per gradient step and per posterior update during collection (PEARL sparse point robot: 1024)'),
  initialSteps: int.min(0).default(200).describe('transitions per training task collected with z from the prior before training (PEARL: 200)'),
  tasksPerIteration: int.positive().default(10).describe('training tasks whose data is refreshed per iteration (PEARL: 10)'),
  stepsPrior: int.min(0).default(100).describe('transitions per sampled task with z from the prior (PEARL: 100)'),
  stepsPosterior: int.min(0).default(900).describe('transitions per sampled task with z from the posterior, also used as context (PEARL: 900)'),
  stepsExtraPosterior: int.min(0).default(0).describe('transitions with z from the posterior for the RL buffer only (PEARL: 0)'),
  trainSteps: int.positive().default(1000).describe('gradient steps per iteration (PEARL: 1000)'),
  bufferSize: int.positive().default(1_000_000).describe('capacity of each per-task buffer (PEARL: 1e6; memory grows only with use)'),
  eval: section({
    trajectories: int.positive().default(10).describe('K of Alg. 2: adaptation trajectories per held-out goal'),
    priorTrajectories: int.positive().default(1).describe('trajectories with z from the prior before the posterior is used (Alg. 2: 1, the posterior of all context so far from trajectory 2 on; the authors\' sparse config uses 5)'),
    deterministic: z.boolean().default(true).describe('evaluate with tanh(mu) (rlkit) rather than sampled actions'),
  }).default({}),
}).superRefine((c, ctx) => {
  if (c.env.trainGoals < c.tasksPerIteration) ctx.addIssue({ code: 'custom', path: ['tasksPerIteration'], message: `must be at most env.trainGoals (${c.env.trainGoals}), got ${c.tasksPerIteration}` });
  if (c.stepsPrior + c.stepsPosterior === 0) ctx.addIssue({ code: 'custom', path: ['stepsPosterior'], message: 'stepsPrior + stepsPosterior must be > 0: a refreshed task needs new context in its encoder buffer' });
  if (c.eval.priorTrajectories > c.eval.trajectories) ctx.addIssue({ code: 'custom', path: ['eval', 'priorTrajectories'], message: `must be at most eval.trajectories (${c.eval.trajectories}), got ${c.eval.priorTrajectories}` });
});
export type PearlConfig = Resolved<typeof pearlSchema>;
export const pearlConfig = resolver('pearl config', pearlSchema);

/** Fields of one stored transition (s, a, r_dense, r_sparse, s', done). */
export const TRANSITION = { obs: 2, action: 2, dense: 1, sparse: 1, next: 2, done: 1 } as const;
export type TransitionField = keyof typeof TRANSITION;
type Buffer = ReplayBuffer<TransitionField>;

/** PEARL's learned state and its data. */
export interface PearlState {
  cfg: PearlConfig;
  encoderSpec: EncoderSpec;
  encoder: Learner;
  sac: SacState;
  goals: GoalSplit;
  /** B^i for the actor-critic, one per training goal */
  rlBuffers: Buffer[];
  /** B^i for the encoder's context (cleared when the task's data is refreshed) */
  encBuffers: Buffer[];
  /** iterations done (Alg. 1's while loop) */
  iteration: number;
  /** environment steps collected during meta-training */
  envSteps: number;
  /** gradient steps taken */
  gradSteps: number;
  /** independent streams: data collection, minibatches and noise of the updates */
  rng: { collect: Rng; train: Rng };
}

/** Alg. 1, l.1: fresh networks and empty buffers. */
export function initPearl(cfg: PearlConfig, rng: Rng): PearlState {
  const A = 2, O = 2, L = cfg.latent;
  const encoderSpec: EncoderSpec = { input: O + A + 1, hidden: [...cfg.encoderHidden], latent: L, probabilistic: cfg.probabilistic };
  const encLayout = encoderLayout(encoderSpec);
  const init = rng.split();
  const encoder = learner(encLayout, initMlp(encLayout, init.split()), cfg.contextLr);
  const sac = initSac(sacNets(O + L, A, cfg.sac.hidden), cfg.sac, init.split());
  const nTrain = cfg.env.trainGoals;
  const mk = () => Array.from({ length: nTrain }, () => new ReplayBuffer<TransitionField>({ ...TRANSITION }, cfg.bufferSize));
  return {
    cfg, encoderSpec, encoder, sac, goals: goalSplit(cfg.env),
    rlBuffers: mk(), encBuffers: mk(),
    iteration: 0, envSteps: 0, gradSteps: 0,
    rng: { collect: rng.split(), train: rng.split() },
  };
}

/** Trajectories of n tasks, H steps each (row i*H + t is task i at time t). */
export interface Trajectories extends TransitionBatch<TransitionField> {
  n: number;
  H: number;
}

/**
 * Roll out pi_theta(a | s, z) once per task, all tasks in lockstep (plain math).
 * @param goals [n, 2]
 * @param zs [n, L], one z per task, held for the whole trajectory
 */
export function rollout(s: PearlState, goals: Float32Array, zs: Float32Array, deterministic: boolean, rng: Rng): Trajectories {
  const n = goals.length / 2, H = s.cfg.env.horizon, L = s.cfg.latent, O = 2 + L;
  const out = emptyBatch(TRANSITION, n * H) as Trajectories;
  out.n = n;
  out.H = H;
  let pos = reset(n);
  const x = new Float32Array(n * O);
  for (let i = 0; i < n; i++) x.set(zs.subarray(i * L, (i + 1) * L), i * O + 2);
  for (let t = 0; t < H; t++) {
    for (let i = 0; i < n; i++) {
      x[i * O] = pos[2 * i];
      x[i * O + 1] = pos[2 * i + 1];
    }
    const a = act(s.sac, x, n, rng, deterministic);
    const r = envStep(s.cfg.env, pos, a, goals);
    for (let i = 0; i < n; i++) {
      const row = i * H + t;
      out.obs[2 * row] = pos[2 * i];
      out.obs[2 * row + 1] = pos[2 * i + 1];
      out.action[2 * row] = a[2 * i];
      out.action[2 * row + 1] = a[2 * i + 1];
      out.next[2 * row] = r.state[2 * i];
      out.next[2 * row + 1] = r.state[2 * i + 1];
      out.dense[row] = r.dense[i];
      out.sparse[row] = r.sparse[i];
    }
    pos = r.state;
  }
  return out;
}

/** Context rows (s, a, r) of transitions, r per `rewards.context`. [rows, 5] */
export function contextRows(s: PearlState, b: TransitionBatch<TransitionField>, rows: number, out?: Float32Array): Float32Array {
  const c = out ?? new Float32Array(rows * 5);
  const r = s.cfg.rewards.context === 'sparse' ? b.sparse : b.dense;
  for (let i = 0; i < rows; i++) {
    c[5 * i] = b.obs[2 * i];
    c[5 * i + 1] = b.obs[2 * i + 1];
    c[5 * i + 2] = b.action[2 * i];
    c[5 * i + 3] = b.action[2 * i + 1];
    c[5 * i + 4] = r[i];
  }
  return c;
}

/** The rows of task i of a trajectory batch, as a batch of H transitions. */
function taskRows(tr: Trajectories, i: number): TransitionBatch<TransitionField> {
  const out = {} as TransitionBatch<TransitionField>;
  for (const k of Object.keys(TRANSITION) as TransitionField[]) {
    const w = TRANSITION[k];
    out[k] = tr[k].subarray(i * tr.H * w, (i + 1) * tr.H * w);
  }
  return out;
}

/**
 * Gather at least `steps` transitions on each of `tasks` (training goal indices), whole
 * trajectories, in lockstep (Alg. 1, l.5-9).
 * - mode "prior": a fresh z from the prior per trajectory;
 * - mode "posterior": the first trajectory from the prior, then z from q(z | c) with c a
 *   context batch drawn from the task's encoder buffer after every trajectory (l.8).
 * Adds the data to the RL buffers and, when `toEncoder`, to the encoder buffers.
 */
export function collect(s: PearlState, tasks: readonly number[], steps: number, mode: 'prior' | 'posterior', toEncoder: boolean): void {
  if (steps <= 0 || tasks.length === 0) return;
  const { cfg } = s, H = cfg.env.horizon, L = cfg.latent, n = tasks.length, rng = s.rng.collect;
  const goals = new Float32Array(2 * n);
  tasks.forEach((t, i) => goals.set(s.goals.train.subarray(2 * t, 2 * t + 2), 2 * i));
  const post = new RunningPosterior(s.encoderSpec);
  const zs = new Float32Array(n * L);
  const trajectories = Math.ceil(steps / H);
  for (let k = 0; k < trajectories; k++) {
    for (let i = 0; i < n; i++) {
      post.clear();
      if (mode === 'posterior' && k > 0 && s.encBuffers[tasks[i]].size > 0) {
        const c = emptyBatch(TRANSITION, cfg.contextBatch);
        s.encBuffers[tasks[i]].sampleInto(rng, cfg.contextBatch, c);
        post.add(s.encoder.layout, s.encoder.theta, contextRows(s, c, cfg.contextBatch), cfg.contextBatch);
      }
      post.sample(rng, zs, i * L);
    }
    const tr = rollout(s, goals, zs, false, rng);
    for (let i = 0; i < n; i++) {
      const rows = taskRows(tr, i);
      s.rlBuffers[tasks[i]].add(rows, H);
      if (toEncoder) s.encBuffers[tasks[i]].add(rows, H);
    }
    s.envSteps += n * H;
  }
}

/** Alg. 1, l.12-14: draw a meta-batch of tasks, their context and RL batches, and the noise. */
export function sampleMetaBatch(s: PearlState, rng: Rng): MetaBatch {
  const { cfg } = s, T = cfg.metaBatch, B = cfg.batchSize, M = cfg.contextBatch, L = cfg.latent;
  const ids = Array.from({ length: T }, () => rng.int(cfg.env.trainGoals));
  const c = sampleTasks(s.encBuffers, ids, M, rng);
  const b = sampleTasks(s.rlBuffers, ids, B, rng);
  const epsPi = new Float32Array(T * B * 2), epsZ = new Float32Array(T * L);
  for (let i = 0; i < epsPi.length; i++) epsPi[i] = rng.normal();
  for (let i = 0; i < epsZ.length; i++) epsZ[i] = rng.normal();
  return {
    T, B, M,
    context: contextRows(s, c, T * M),
    obs: b.obs, action: b.action,
    reward: cfg.rewards.critic === 'sparse' ? b.sparse : b.dense,
    next: b.next,
    notDone: b.done.map((d) => 1 - d),
    epsPi, epsZ,
  };
}

/**
 * Alg. 1, l.13-21: one gradient step of the encoder (critic loss + KL), policy, critics
 * and V on a meta-batch, then V_bar's soft update. Mutates `s`.
 */
export function pearlUpdate(s: PearlState, mb: MetaBatch, withMetrics = true): PearlMetrics | null {
  const learners = learnersOf(s);
  const scratch = gradScratch.get(s) ?? new Float32Array(flatSize(learners));
  gradScratch.set(s, scratch);
  const { grad, metrics } = pearlGrads(s, mb, scratch, withMetrics);
  adamStepEach(learners, grad, s.cfg.sac.adam);
  softUpdate(s.sac.vTarget, s.sac.v.theta, s.cfg.sac.tau);
  s.gradSteps++;
  return metrics;
}
const gradScratch = new WeakMap<PearlState, Float32Array>();

const METRICS_EVERY = 10;

/** What one meta-training iteration reports. */
export interface PearlStepInfo {
  iteration: number;
  envSteps: number;
  gradSteps: number;
  /** losses averaged over every 10th gradient step of the iteration (and its last) */
  metrics: PearlMetrics;
}

/** One pass of Alg. 1's while loop: data (l.3-10), then `trainSteps` gradient steps (l.11-22). */
export function pearlStep(s: PearlState, onGradStep?: (k: number) => void): PearlStepInfo {
  const { cfg } = s, nTrain = cfg.env.trainGoals;
  if (s.iteration === 0 && cfg.initialSteps > 0) {
    // initial pool: every training task, z from the prior (rlkit's num_initial_steps)
    const all = Array.from({ length: nTrain }, (_, i) => i);
    collect(s, all, cfg.initialSteps, 'prior', true);
  }
  // l.3: a sample of training tasks (distinct, so that one task's encoder buffer is refreshed once)
  const tasks = s.rng.collect.shuffle(Array.from({ length: nTrain }, (_, i) => i)).slice(0, cfg.tasksPerIteration);
  for (const t of tasks) s.encBuffers[t].clear(); // l.4
  collect(s, tasks, cfg.stepsPrior, 'prior', true);
  collect(s, tasks, cfg.stepsPosterior, 'posterior', true);
  collect(s, tasks, cfg.stepsExtraPosterior, 'posterior', false);
  // losses are read on every METRICS_EVERY-th step (and the last) and averaged: reading costs a dozen kernels
  const sum: PearlMetrics = { qLoss: 0, vLoss: 0, piLoss: 0, logPi: 0, qMean: 0, kl: 0 };
  let read = 0;
  for (let k = 0; k < cfg.trainSteps; k++) {
    const want = k % METRICS_EVERY === 0 || k === cfg.trainSteps - 1;
    const m = pearlUpdate(s, sampleMetaBatch(s, s.rng.train), want);
    if (m) {
      for (const key of Object.keys(sum) as (keyof PearlMetrics)[]) sum[key] += m[key];
      read++;
    }
    onGradStep?.(k);
  }
  for (const key of Object.keys(sum) as (keyof PearlMetrics)[]) sum[key] /= read;
  s.iteration++;
  return { iteration: s.iteration, envSteps: s.envSteps, gradSteps: s.gradSteps, metrics: sum };
}

/** Alg. 2 on n held-out goals at once. */
export interface MetaTestResult {
  /** sparse return of trajectory k on goal i [n, K] */
  sparse: Float32Array;
  /** dense return [n, K] */
  dense: Float32Array;
  /** positions s' of every step [n, K, H, 2] (for pictures) */
  positions: Float32Array;
  n: number;
  K: number;
  H: number;
}

/**
 * Alg. 2: on each goal, K trajectories; z from the prior for the first
 * `eval.priorTrajectories`, then from the posterior given all context gathered so far.
 * @param goals [n, 2] (default: the held-out goals)
 */
export function metaTest(s: PearlState, rng: Rng, goals: Float32Array = s.goals.test): MetaTestResult {
  const { cfg } = s, n = goals.length / 2, K = cfg.eval.trajectories, H = cfg.env.horizon, L = cfg.latent;
  const posts = Array.from({ length: n }, () => new RunningPosterior(s.encoderSpec)); // l.1
  const sparse = new Float32Array(n * K), dense = new Float32Array(n * K), positions = new Float32Array(n * K * H * 2);
  const zs = new Float32Array(n * L);
  for (let k = 0; k < K; k++) {
    // l.3: z ~ q(z | c); the prior for the first trajectories (an empty posterior is the prior)
    const usePrior = k < cfg.eval.priorTrajectories;
    for (let i = 0; i < n; i++) {
      if (usePrior) new RunningPosterior(s.encoderSpec).sample(rng, zs, i * L);
      else posts[i].sample(rng, zs, i * L);
    }
    const tr = rollout(s, goals, zs, cfg.eval.deterministic, rng); // l.4
    for (let i = 0; i < n; i++) {
      const rows = taskRows(tr, i);
      posts[i].add(s.encoder.layout, s.encoder.theta, contextRows(s, rows, H), H); // l.5
      let rs = 0, rd = 0;
      for (let t = 0; t < H; t++) {
        rs += rows.sparse[t];
        rd += rows.dense[t];
        positions.set(rows.next.subarray(2 * t, 2 * t + 2), ((i * K + k) * H + t) * 2);
      }
      sparse[i * K + k] = rs;
      dense[i * K + k] = rd;
    }
  }
  return { sparse, dense, positions, n, K, H };
}
