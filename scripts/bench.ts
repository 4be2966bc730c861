/**
 * npm run bench: speed and memory figures of the lab, printed in one run so that ratios
 * between them are meaningful on a noisy machine. Nothing here asserts; the figures go in
 * the notes of the issues.
 *
 *   node dist/scripts/bench.js [--quick]     (--quick: smaller sizes, for a smoke check)
 */
import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import * as fs from 'fs';
import type * as TF from '@tensorflow/tfjs';
import * as fig1 from '../lib/experiments/fig1';
import * as fig3 from '../lib/experiments/fig3';
import * as fig4 from '../lib/experiments/fig4';
import { policyDivergence, statesByPolicy, divergenceConfig } from '../lib/divergence/policy-divergence';
import { rolloutPaired } from '../lib/policies/rollout';
import { initConfig, initParams, logitsTf, PAPER_POLICY } from '../lib/policies/softmax-mlp';
import { Rng } from '../lib/core/rng';
import { rolloutOne, TrajectoryBatch } from '../lib/policies/rollout';
import { Experiment, runExperiment } from '../lib/experiments/runner';
import { lockFolder } from '../lib/experiments/lock';
import { decodeTable, encodeTable } from '../lib/experiments/tables';
import { Executor } from '../lib/experiments/executors/executor';
import { LocalExecutor } from '../lib/experiments/executors/local';
import { RedisExecutor } from '../lib/experiments/executors/redis';
import * as fig1Tuning from '../lib/experiments/fig1-tuning';
import { runSweep, sharedExecutor } from '../lib/experiments/sweep';
import { testbed, testbedConfig } from '../lib/envs/testbed';
import { initBackend, tf } from '../lib/core/tf';
import { newLearner, vpgConfig, vpgUpdate } from '../lib/algos/vpg';
import { resetState, step } from '../lib/envs/particle';
import * as diaynExp from '../lib/experiments/diayn';
import { diaynConfig, diaynNavInit, diaynNavStep } from '../lib/algos/diayn';
import { gaussianMamlConfig, gaussianMamlInit, gaussianMamlStep } from '../lib/algos/gaussian-maml';
import { goalRewards } from '../lib/envs/nav-tasks';
import { goalSplit, pointNavConfig } from '../lib/envs/point-nav';
import { initGaussian } from '../lib/policies/gaussian-mlp';
import { initMql, mqlConfig, sampleEpisodes } from '../lib/algos/mql';
import { td3Update } from '../lib/algos/td3';
import { pointNavEnv } from '../lib/envs/meta-env';
import { gruInit, gruSequenceTf, gruSpec } from '../lib/policies/gru';
import { gruBackward, gruForwardTape } from '../lib/policies/gru-bptt';
import { mqlExperiment, mqlSizes } from '../lib/experiments/mql';
import * as pearlExperiment from '../lib/experiments/pearl';
import { initPearl, pearlConfig, pearlStep, pearlUpdate, sampleMetaBatch } from '../lib/algos/pearl';
import { pearlGrads } from '../lib/algos/pearl-grads';
import { pearlGradsAutodiff } from '../lib/algos/pearl-autodiff';
import { lakeConfig, lakeMdp } from '../lib/envs/lake';
import { randomTable } from '../lib/policies/softmax-table';
import { adapt, boMrlConfig, DISTANCES, metaGradient } from '../lib/algos/bo-mrl';
import { exactEstimator } from '../lib/algos/tabular-estimates';
import * as bomrl from '../lib/experiments/bomrl';
import { normaliseAdvantages, rl2Config, rl2Gradient, rl2GradientTf, rl2Init, rl2Spec, trialAdvantages } from '../lib/algos/rl2';
import { rolloutTrials, TrialBatch } from '../lib/policies/trials';
import * as rl2Exp from '../lib/experiments/rl2';

const quick = process.argv.includes('--quick');
const spec = PAPER_POLICY;

function line(label: string, value: string): void {
  console.log(`${label.padEnd(58)} ${value}`);
}

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Median wall time of fn over reps (after one warm-up call). */
function timeIt(fn: () => void, reps: number): number {
  fn();
  const ts: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    fn();
    ts.push(performance.now() - t0);
  }
  return median(ts);
}

/** The naive reference: one tfjs forward call per environment step per particle. */
function naiveTfRollout(theta: Float32Array, types: number[], K: number, bed: ReturnType<typeof testbed>, rng: Rng): number {
  const B = types.length * K, T = bed.config.particle.horizon;
  const typeOf = new Int32Array(B).map((_, b) => types[Math.floor(b / K)]);
  let s = resetState(bed.config.particle, B);
  const live = new Uint8Array(B).fill(1);
  const th = tf.tensor1d(theta);
  let steps = 0;
  for (let t = 0; t < T; t++) {
    const act = new Uint8Array(B);
    for (let b = 0; b < B; b++) {
      if (!live[b]) continue;
      const p = tf.tidy(() => tf.softmax(logitsTf(th as TF.Tensor1D, tf.tensor2d([s[2 * b], s[2 * b + 1]], [1, 2]), spec)).dataSync());
      act[b] = rng.categorical(p);
      steps++;
    }
    const r = step(bed.dyn, typeOf, s, act, live, rng);
    for (let b = 0; b < B; b++) if (r.done[b]) live[b] = 0;
    s = r.state;
  }
  th.dispose();
  return steps;
}

async function main(): Promise<void> {
  const info = await initBackend();
  console.log(`metarl-lab bench — ${new Date().toISOString()}`);
  console.log(`node ${process.version}, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), ${info.reason}`);
  console.log('');
  const bed = testbed(testbedConfig());
  const theta = initParams(spec, new Rng(0));
  const allTypes = bed.types.map((t) => t.id);

  // 1. Rollout throughput, policy in the loop, one core.
  let batch: TrajectoryBatch | null = null;
  const K = quick ? 10 : 42; // 24 types x 42 = 1008 episodes, about 100k steps per rollout
  const ms = timeIt(() => {
    batch = rolloutOne(theta, allTypes, K, bed.dyn, spec, new Rng(1));
  }, quick ? 3 : 7);
  const steps = batch!.lengths.reduce((a, b) => a + b, 0);
  const fastRate = steps / (ms / 1000);
  line(`rollout, typed-array policy (${batch!.B} episodes, ${steps} steps)`, `${(fastRate / 1e6).toFixed(2)} M env-steps/s (${ms.toFixed(1)} ms)`);

  // 2. The naive reference: a tfjs call per env step per particle.
  const naiveTypes = allTypes.slice(0, quick ? 2 : 4);
  const t0 = performance.now();
  const naiveSteps = naiveTfRollout(theta, naiveTypes, 5, bed, new Rng(2));
  const naiveRate = naiveSteps / ((performance.now() - t0) / 1000);
  line(`rollout, naive per-step tfjs calls (${naiveTypes.length * 5} episodes, ${naiveSteps} steps)`, `${(naiveRate / 1e3).toFixed(1)} k env-steps/s`);
  line('  ratio typed-array / naive tfjs', `${(fastRate / naiveRate).toFixed(0)}x`);

  // 3. One VPG update at K = 10 trajectories x 100 steps.
  const cfg = vpgConfig();
  const b10 = rolloutOne(theta, [0], 10, bed.dyn, spec, new Rng(3));
  let learner = newLearner(theta);
  const updMs = timeIt(() => {
    learner = vpgUpdate(learner, b10, cfg, spec).learner;
  }, quick ? 5 : 21);
  line(`VPG update, K = 10 trajectories (${b10.lengths.reduce((a, b) => a + b, 0)} steps)`, `${updMs.toFixed(2)} ms`);
  const rollMs = timeIt(() => rolloutOne(learner.theta, [0], 10, bed.dyn, spec, new Rng(4)), quick ? 5 : 21);
  line('  rollout of those 10 trajectories', `${rollMs.toFixed(2)} ms`);

  // 4. Tensor count after 1,000 updates equals the count after 10.
  const rng = new Rng(5);
  let l2 = newLearner(theta);
  const counts: Record<number, number> = {};
  const total = quick ? 100 : 1000;
  for (let u = 1; u <= total; u++) {
    l2 = vpgUpdate(l2, rolloutOne(l2.theta, [u % 24], 10, bed.dyn, spec, rng), cfg, spec).learner;
    if (u === 10 || u === total) counts[u] = tf.memory().numTensors;
  }
  line(`tfjs tensors after 10 / ${total} VPG updates`, `${counts[10]} / ${counts[total]}${counts[10] === counts[total] ? ' (no leak)' : ' (LEAK)'}`);

  // 5. Parallel speed-up of the runner on 2 workers (Figure 3 training, 4 seeds).
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'metarl-bench-'));
  const sizes = { updates: quick ? 10 : 100 };
  const seeds = 4;
  const ts: Record<number, number> = {};
  for (const workers of [1, 2]) {
    const t = performance.now();
    await runExperiment(fig3.experiment, sizes, { seeds, workers, dataDir: path.join(dataDir, `w${workers}`), log: () => undefined });
    ts[workers] = performance.now() - t;
  }
  line(`runner, fig3 training ${seeds} seeds x ${sizes.updates} updates: 1 / 2 workers`, `${(ts[1] / 1000).toFixed(2)} s / ${(ts[2] / 1000).toFixed(2)} s = ${(ts[1] / ts[2]).toFixed(2)}x speed-up`);

  // 6. One 24 x 24 divergence matrix (Algorithm 1, default S = 1000 samples, one trajectory per policy).
  const policies = allTypes.map((t) => initParams(spec, new Rng(100 + t), initConfig({ outputScale: 1 })));
  const tau = rolloutPaired(policies, allTypes, 1, bed.dyn, spec, new Rng(6));
  const states = statesByPolicy(tau, allTypes.length);
  for (const estimator of ['literal', 'policy', 'occupancy'] as const) {
    const divMs = timeIt(() => policyDivergence(policies, states, divergenceConfig({ estimator }), spec, new Rng(7)), quick ? 3 : 11);
    line(`24x24 divergence matrix (Alg. 1, ${estimator}, S = 1000)`, `${divMs.toFixed(1)} ms`);
  }

  // 6b. Gaussian MAML on point navigation (the DIAYN notebook's sizes) and one DIAYN iteration.
  const env = pointNavConfig();
  const gspec = { obsDim: 2, hidden: 64, actDim: 2 };
  const goalTasks = goalRewards(env, goalSplit(env).train, 'dense');
  for (const order of ['second', 'first'] as const) {
    const mcfg = gaussianMamlConfig({ order, metaBatch: quick ? 4 : 20 });
    let st = gaussianMamlInit(initGaussian(gspec, new Rng(8)));
    const r = new Rng(9);
    const mMs = timeIt(() => {
      st = gaussianMamlStep(st, goalTasks, mcfg, env, gspec, r).state;
    }, quick ? 2 : 5);
    line(`Gaussian MAML meta-update, ${order} order (${mcfg.metaBatch} tasks x ${mcfg.K} episodes x 20 steps)`, `${mMs.toFixed(0)} ms`);
  }
  const dcfg = diaynConfig();
  let ds = diaynNavInit(dcfg, new Rng(10));
  const dr = new Rng(11);
  const dMs = timeIt(() => {
    ds = diaynNavStep(ds, dcfg, env, dr).state;
  }, quick ? 3 : 11);
  line(`DIAYN iteration on point navigation (${dcfg.nSkills} skills x ${dcfg.episodesPerSkill} episodes)`, `${dMs.toFixed(1)} ms`);

  // 7. Meta-Q-Learning: TD3 updates per second (8 whole episodes of point navigation, 160
  //    transitions), with the GRU context and on the state alone; the GRU's BPTT in typed
  //    arrays against tfjs autodiff through the same GRU (8 sequences of 20 steps, hidden 30).
  {
    const env = pointNavEnv(pointNavConfig());
    for (const input of ['context', 'state'] as const) {
      const cfg = mqlConfig({ td3: { input } });
      const s = initMql(env, cfg, new Rng(1));
      const rng = new Rng(2);
      const batches = Array.from({ length: 8 }, () => sampleEpisodes(s, cfg.td3.batchEpisodes, rng));
      let k = 0;
      const ms = timeIt(() => { td3Update(s.td3, batches[k++ % batches.length], cfg.td3, rng); }, quick ? 6 : 40);
      line(`TD3 update, ${input === 'context' ? 'GRU context (shared, H 30)' : 'state only'}, 8 episodes x 20 steps`, `${ms.toFixed(2)} ms = ${(1000 / ms).toFixed(0)} updates/s`);
    }
    const gspec = gruSpec({ inputSize: 5, hiddenSize: 30 });
    const th = gruInit(gspec, new Rng(3));
    const xs = Float32Array.from({ length: 8 * 20 * 5 }, (_, i) => Math.sin(i));
    const typed = timeIt(() => { const tape = gruForwardTape(th, gspec, xs, 8, 20); gruBackward(th, gspec, tape, tape.hs); }, quick ? 5 : 21);
    const thT = tf.tensor1d(th), xsT = tf.tensor3d(xs, [8, 20, 5]), h0 = tf.zeros([8, 30]) as TF.Tensor2D;
    const auto = timeIt(() => tf.tidy(() => { tf.grad((t: TF.Tensor) => tf.sum(tf.square(gruSequenceTf(t as TF.Tensor1D, gspec, xsT, h0))))(thT).dataSync(); }), quick ? 3 : 11);
    tf.dispose([thT, xsT, h0]);
    line('GRU forward + BPTT, 8 x 20 steps: typed arrays / tfjs autodiff', `${typed.toFixed(2)} ms / ${auto.toFixed(2)} ms = ${(auto / typed).toFixed(1)}x`);
  }

  // 7b. RL²: trial rollouts with the GRU in the loop, and one update's BPTT (typed arrays vs tfjs).
  {
    const rc = rl2Config(rl2Exp.sizes('paper').config.rl2 ?? {});
    const theta2 = rl2Init(rc, new Rng(8)).theta;
    const typeOf = new Int32Array(rc.trialsPerUpdate).map((_, b) => allTypes[b % allTypes.length]);
    let tb: TrialBatch | null = null;
    const trialMs = timeIt(() => {
      tb = rolloutTrials(theta2, rl2Spec(rc), typeOf, rc.episodesPerTrial, bed.dyn, new Rng(9));
    }, quick ? 3 : 7);
    const envSteps = tb!.mask.reduce((a, b) => a + b, 0);
    line(`RL² trials, GRU H = ${rc.hidden} in the loop (${rc.trialsPerUpdate} trials x ${rc.episodesPerTrial} episodes)`, `${(envSteps / (trialMs / 1000) / 1e3).toFixed(0)} k env-steps/s (${trialMs.toFixed(0)} ms)`);
    const { adv, targets } = trialAdvantages(tb!, rc.gamma, rc.lambda, rc.rewardScale);
    const A = normaliseAdvantages(adv, tb!.mask);
    const fastMs = timeIt(() => rl2Gradient(theta2, tb!, A, targets, rc), quick ? 2 : 5);
    const tfMs = timeIt(() => rl2GradientTf(theta2, tb!, A, targets, rc), quick ? 1 : 3);
    line(`RL² update gradient, BPTT over ${tb!.L} steps: typed arrays / tfjs`, `${fastMs.toFixed(0)} ms / ${tfMs.toFixed(0)} ms = ${(tfMs / fastMs).toFixed(1)}x`);
  }

  // 8. Whole experiments at the paper's scale through the runner, recomputed in a scratch folder.
  if (!quick) {
    const f4 = fig4.sizes('paper');
    const t4: Record<number, number> = {};
    for (const workers of [1, 2]) {
      const t = performance.now();
      await runExperiment(fig4.experiment, f4.config, { seeds: f4.seeds, workers, dataDir: path.join(dataDir, `fig4-w${workers}`), log: () => undefined });
      t4[workers] = (performance.now() - t) / 1000;
    }
    line(`Figure 4 pipeline, paper scale (${f4.seeds} seeds): 1 / 2 workers`, `${t4[1].toFixed(1)} s / ${t4[2].toFixed(1)} s = ${(t4[1] / t4[2]).toFixed(2)}x speed-up`);
    const f1 = fig1.sizes('paper');
    const t = performance.now();
    await runExperiment(fig1.experiment, f1.config, { seeds: f1.seeds, workers: 2, dataDir: path.join(dataDir, 'fig1'), log: () => undefined });
    line(`Figure 1 experiment, paper scale (all methods, ${f1.seeds} seeds), 2 workers`, `${((performance.now() - t) / 1000).toFixed(1)} s`);
    const tm = performance.now();
    for (const env of ['point-nav', 'testbed'] as const) {
      const m = mqlSizes('paper', env);
      await runExperiment(mqlExperiment, m.config, { seeds: m.seeds, workers: 2, dataDir: path.join(dataDir, `mql-${env}`), log: () => undefined });
    }
    line('Meta-Q-Learning notebook experiments, paper scale (2 families x 5 seeds), 2 workers', `${((performance.now() - tm) / 1000).toFixed(1)} s`);
    const r2 = rl2Exp.sizes('paper');
    const tr = performance.now();
    await runExperiment(rl2Exp.experiment, r2.config, { seeds: r2.seeds, workers: 2, dataDir: path.join(dataDir, 'rl2'), log: () => undefined });
    line(`RL² / sysid / domain randomisation experiment, paper scale (${r2.seeds} seeds), 2 workers`, `${((performance.now() - tr) / 1000).toFixed(1)} s`);
  }
  // 8. The result store: typed CSV of one Fig. 4 unit's divergence table (9 checkpoints x 3
  // estimators x 276 pairs), a cached re-render (loads and verifies every unit, writes
  // nothing), and the folder lock.
  const divRows = Array.from({ length: 9 * 3 * 276 }, (_, k) => ({ update: 5 * (k % 9), estimator: ['literal', 'policy', 'occupancy'][k % 3], i: k % 23, j: 23, latentI: k % 6, latentJ: 5, divergence: Math.sin(k) ** 2 }));
  const schema = fig4.TABLES.divergence;
  let text = '';
  const encMs = timeIt(() => { text = encodeTable(divRows, schema, 'bench'); }, quick ? 3 : 11);
  const decMs = timeIt(() => decodeTable(text, schema, 'bench'), quick ? 3 : 11);
  line(`typed CSV, Fig. 4 divergence table of one seed (${divRows.length} rows)`, `encode ${encMs.toFixed(1)} ms, decode ${decMs.toFixed(1)} ms`);
  const cachedDir = path.join(dataDir, 'w1');
  const tCached = performance.now();
  await runExperiment(fig3.experiment, sizes, { seeds, workers: 1, dataDir: cachedDir, log: () => undefined });
  const cachedMs = performance.now() - tCached;
  line(`cached re-render, fig3 ${seeds} seeds (verify, no writes)`, `${cachedMs.toFixed(1)} ms`);
  const lockDir = path.join(dataDir, 'lock');
  fs.mkdirSync(lockDir);
  const lockMs: number[] = [];
  for (let i = 0; i < (quick ? 5 : 21); i++) {
    const t = performance.now();
    (await lockFolder(lockDir, { purpose: 'bench', log: () => undefined })).release();
    lockMs.push(performance.now() - t);
  }
  line('folder lock: take and release', `${median(lockMs).toFixed(2)} ms`);
  // The DIAYN notebook's two experiments (budget: 15 minutes at paper scale on 2 cores).
  {
    const dz = diaynExp.sizes(quick ? 'quick' : 'paper');
    const t = performance.now();
    await runExperiment(diaynExp.particleSkills, dz.particle, { seeds: dz.seeds, workers: 2, dataDir: path.join(dataDir, 'diayn'), log: () => undefined });
    const tp = (performance.now() - t) / 1000;
    await runExperiment(diaynExp.experiment, dz.uml, { seeds: dz.seeds, workers: 2, dataDir: path.join(dataDir, 'diayn'), log: () => undefined });
    const tu = (performance.now() - t) / 1000 - tp;
    line(`DIAYN notebook experiments, ${quick ? 'quick' : 'paper'} scale (${dz.seeds} seeds), 2 workers: particle + uml`, `${tp.toFixed(1)} s + ${tu.toFixed(1)} s = ${(tp + tu).toFixed(1)} s`);
  }

  // BO-MRL on the 4x4 lake: one exact meta-gradient (policy evaluation, Alg, implicit
  // differentiation) per distance, against a finite-difference gradient of the same
  // objective (2 x 64 evaluations of J(Alg(pi_phi))); then the whole experiment.
  const lake = lakeMdp(['SFFF', 'FHFH', 'FFFH', 'HFFG'], lakeConfig());
  const phi = randomTable(16, 4, new Rng(8), 0.5);
  for (const distance of DISTANCES) {
    const alg = boMrlConfig({ distance, lambda: 1, inner: { steps: 0, lr: 1 } });
    const mgMs = timeIt(() => metaGradient(lake, phi, alg, exactEstimator), quick ? 50 : 501);
    const fdMs = timeIt(() => {
      for (let k = 0; k < 128; k++) exactEstimator(lake, adapt(phi, exactEstimator(lake, phi), alg, 4).theta);
    }, quick ? 3 : 21);
    line(`BO-MRL exact meta-gradient, ${distance} distance (16 x 4 table)`, `${(mgMs * 1000).toFixed(0)} us (finite differences: ${fdMs.toFixed(2)} ms, ${(fdMs / mgMs).toFixed(0)}x)`);
  }
  const bs = bomrl.sizes(quick ? 'quick' : 'paper');
  const tb = performance.now();
  await runExperiment(bomrl.experiment, bs.config, { seeds: bs.seeds, workers: 2, dataDir: path.join(dataDir, 'bomrl'), log: () => undefined });
  line(`BO-MRL optimality-gap experiment, ${quick ? 'quick' : 'paper'} scale (${bs.seeds} seeds), 2 workers`, `${((performance.now() - tb) / 1000).toFixed(1)} s`);

  await benchPearl(dataDir);

  // Executors: short units through the BullMQ queue on Redis against local worker threads.
  await benchQueue(dataDir);

  // The Figure 1 tuning sweep on 1 and 2 local worker threads: the first setting of every
  //    method's grid, one seed (paper sizes; quick sizes with --quick).
  const tp = fig1Tuning.plan(quick ? 'quick' : 'paper');
  const sweepSeconds: Record<number, number> = {};
  const methods = Object.keys(tp.spaces) as fig1.MethodName[];
  for (const workers of [1, 2]) {
    const t = performance.now();
    // One executor for all the methods' sweeps, as fig1Tuning.tune shares one.
    const executor = sharedExecutor('bench sweep', { workers, log: () => undefined }, methods.length, () => fig1.experiment as unknown as Experiment<object>);
    try {
      await Promise.all(methods.map((m) => runSweep(fig1.experiment, { ...tp.base, methods: [m] }, tp.spaces[m]!.slice(0, 1),
        { seeds: tp.seeds.slice(0, 1), dataDir: path.join(dataDir, `sweep-w${workers}`), log: () => undefined, executor })));
    } finally {
      await executor.close();
    }
    sweepSeconds[workers] = (performance.now() - t) / 1000;
  }
  line(`Figure 1 tuning sweep, ${Object.keys(tp.spaces).length} units (${quick ? 'quick' : 'paper'} sizes): 1 / 2 workers`, `${sweepSeconds[1].toFixed(1)} s / ${sweepSeconds[2].toFixed(1)} s = ${(sweepSeconds[1] / sweepSeconds[2]).toFixed(2)}x speed-up`);
  fs.rmSync(dataDir, { recursive: true, force: true });
}

/** CPU milliseconds (user + system) of fn per call, median of `reps` (robust to other processes on a busy machine). */
function cpuIt(fn: () => void, reps: number): number {
  fn();
  const ts: number[] = [];
  for (let i = 0; i < reps; i++) {
    const c = process.cpuUsage();
    fn();
    const d = process.cpuUsage(c);
    ts.push((d.user + d.system) / 1000);
  }
  return median(ts);
}

/**
 * 8. PEARL: one gradient step (policy, twin Q, V, encoder; explicit backprop) per second at
 * the notebook's sizes and at the PyTorch anchors (one CPU thread: about 6 ms at
 * 2 x 64 nets and 8 x 64 rows, 19 ms at 16 x 256, 345 ms at 3 x 300 and 16 x 256); the
 * tfjs-autodiff version of the same step; then the notebook's whole experiment.
 */
async function benchPearl(dataDir: string): Promise<void> {
  const reduced = pearlExperiment.REDUCED;
  const cases: { label: string; over: Record<string, unknown> }[] = [
    { label: `notebook: 2 x 32 nets, ${reduced.metaBatch} x ${reduced.batchSize} rows, ${reduced.contextBatch} context`, over: {} },
    { label: 'anchor: 2 x 64 nets, 8 x 64 rows, 64 context (PyTorch ~6 ms)', over: { sac: { hidden: [64, 64] }, encoderHidden: [64, 64] } },
    { label: 'anchor: 2 x 64 nets, 16 x 256 rows, 256 context (PyTorch ~19 ms)', over: { sac: { hidden: [64, 64] }, encoderHidden: [64, 64], metaBatch: 16, batchSize: 256, contextBatch: 256 } },
  ];
  if (!quick) cases.push({ label: 'anchor: 3 x 300 nets (encoder 3 x 200), 16 x 256 rows (PyTorch ~345 ms)', over: { sac: { hidden: [300, 300, 300] }, encoderHidden: [200, 200, 200], metaBatch: 16, batchSize: 256, contextBatch: 256 } });
  for (const c of cases) {
    const cfg = pearlConfig({ ...reduced, ...c.over, initialSteps: 40, tasksPerIteration: 2, stepsPrior: 20, stepsPosterior: 20, trainSteps: 1 } as never);
    const s = initPearl(cfg, new Rng(11));
    pearlStep(s);
    const mb = sampleMetaBatch(s, new Rng(12));
    const big = c.over.metaBatch === 16;
    const reps = quick ? 3 : big ? 5 : 21;
    const wall = timeIt(() => pearlUpdate(s, mb, false), reps);
    const cpu = cpuIt(() => pearlUpdate(s, mb, false), reps);
    line(`PEARL step, ${c.label}`, `${wall.toFixed(1)} ms wall (${cpu.toFixed(1)} ms CPU) = ${(1000 / wall).toFixed(0)} steps/s`);
    if (!big) {
      const auto = timeIt(() => pearlGradsAutodiff(s, mb), quick ? 3 : 11), expl = timeIt(() => pearlGrads(s, mb), quick ? 3 : 11);
      line('  gradient by tfjs autodiff / explicit backprop', `${auto.toFixed(1)} ms / ${expl.toFixed(1)} ms = ${(auto / expl).toFixed(1)}x`);
    }
  }
  const sp = pearlExperiment.sizes(quick ? 'quick' : 'paper');
  const sm = pearlExperiment.mamlSizes(quick ? 'quick' : 'paper');
  const t = performance.now();
  // as the notebook runs them: PEARL and the ablation side by side (2 workers each), then MAML
  await Promise.all([true, false].map((probabilistic) => runExperiment(pearlExperiment.experiment, { ...sp.config, pearl: { ...(sp.config.pearl ?? {}), probabilistic } },
    { seeds: sp.seeds, workers: 2, dataDir: path.join(dataDir, 'pearl'), log: () => undefined })));
  await runExperiment(pearlExperiment.mamlExperiment, sm.config, { seeds: sm.seeds, workers: 2, dataDir: path.join(dataDir, 'pearl'), log: () => undefined });
  line(`PEARL notebook experiments, ${quick ? 'quick' : 'paper'} scale (PEARL + deterministic ${sp.seeds} seeds each, MAML ${sm.seeds}), 2 cores`, `${((performance.now() - t) / 1000).toFixed(1)} s`);
}

/**
 * Units per second for short units (a few ms of work) on 2 local worker threads, and
 * through a Redis queue served by one worker process with 2 threads on this machine; the
 * difference per unit is the queue's overhead (enqueue, lock, result through Redis, write).
 */
async function benchQueue(dataDir: string): Promise<void> {
  if (spawnSync('redis-server', ['--version']).error) {
    line('executors: Redis queue vs local threads', 'skipped (redis-server not installed: sudo apt-get install -y redis-server)');
    return;
  }
  const port = await new Promise<number>((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(p));
    });
  });
  const url = `redis://127.0.0.1:${port}`;
  const children: ChildProcess[] = [];
  const started = (c: ChildProcess, re: RegExp) => new Promise<void>((resolve, reject) => {
    let out = '';
    c.stdout!.on('data', (d) => { out += d; if (re.test(out)) resolve(); });
    c.once('exit', (code) => reject(new Error(`exited with ${code} before starting:\n${out}`)));
  });
  try {
    const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'ignore'] });
    children.push(redis);
    await started(redis, /Ready to accept connections/);
    const worker = spawn(process.execPath, [path.join(__dirname, 'worker.js'), '--queue', url, '--threads', '2'], { stdio: ['ignore', 'pipe', 'ignore'] });
    children.push(worker);
    await started(worker, /serving/);
    const tiny = { updates: 1, K: 1, testbed: { particle: { horizon: 5 } } };
    const n = quick ? 40 : 200;
    const seconds: Record<string, number> = {};
    const backend = (await initBackend()).name;
    // One executor per kind, warmed up first, so thread start-up and connections are not timed.
    const executors: Record<string, Executor> = {
      local: new LocalExecutor({ threads: 2, backend, find: () => fig3.experiment as unknown as Experiment<object>, label: 'bench', log: () => undefined }),
      redis: await RedisExecutor.open(url, { label: 'bench', log: () => undefined }),
    };
    for (const via of ['local', 'redis']) {
      try {
        const opts = { executor: executors[via], dataDir: path.join(dataDir, `queue-${via}`), log: () => undefined, force: true };
        await runExperiment(fig3.experiment, tiny, { ...opts, seeds: 4 });
        const t = performance.now();
        await runExperiment(fig3.experiment, tiny, { ...opts, seeds: n });
        seconds[via] = (performance.now() - t) / 1000;
      } finally {
        await executors[via].close();
      }
    }
    line(`executors, ${n} short units on 2 threads: local / Redis queue`, `${(n / seconds.local).toFixed(0)} / ${(n / seconds.redis).toFixed(0)} units/s = ${(seconds.redis / seconds.local).toFixed(1)}x the time`);
    line('  queue overhead per unit', `${((1000 * (seconds.redis - seconds.local)) / n).toFixed(1)} ms`);
  } finally {
    for (const c of children.reverse()) {
      c.kill('SIGTERM');
      await new Promise((r) => (c.exitCode !== null || c.signalCode !== null ? r(null) : c.once('exit', r)));
    }
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
