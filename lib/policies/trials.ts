/**
 * Trials of RL² (Duan et al. 2016, Sec. 2.1): a trial is N consecutive episodes on one
 * entity type; the recurrent policy's hidden state is kept across the episodes of a trial
 * and reset (to zero) at the start of the next trial.
 *
 * B trials advance in lock-step, one batched particle step per time slot, with the GRU
 * and the heads run by typed-array math (lib/policies/gru.ts): no tfjs call in the loop.
 * Each episode owns T = horizon slots of the trial's L = N*T; when an episode ends early
 * its remaining slots are padding (mask 0: the GRU keeps its state, no loss), so the
 * slots line up with `recurrentForwardTf` for backpropagation through time.
 */
import { Dynamics, resetState, step } from '../envs/particle';
import { Rng } from '../core/rng';
import { gruStep } from './gru';
import { headsAt, inputSize, packRecurrent, RecurrentSpec, sampleFrom, writeInput } from './recurrent-softmax';

/**
 * B trials of N episodes, horizon T, L = N*T step slots, I = inputSize(spec), H hidden.
 *
 * | Field     | Shape         | Meaning                                                             |
 * |-----------|---------------|---------------------------------------------------------------------|
 * | inputs    | [B, L, I]     | phi_t = (s_t, m_{t-1}, one-hot a_{t-1}, r_{t-1}, d_{t-1}) fed at slot t; 0 in padding |
 * | actions   | [B, L]        | a_t                                                                 |
 * | rewards   | [B, L]        | r_t = -‖s_{t+1} - target‖²                                          |
 * | mask      | [B, L]        | 1 where slot t was a step taken                                     |
 * | logp      | [B, L]        | log pi(a_t | h_t) when collected                                    |
 * | values    | [B, L]        | V(h_t, t/L) when collected                                          |
 * | returns   | [B, N]        | undiscounted return of episode n of trial b                         |
 * | ends      | [B, N, 2]     | where episode n ended                                               |
 * | typeOf    | [B]           | entity type of trial b                                              |
 * | memory    | [B, K, H]     | hidden state after k moves, for each k of `recordAfter` (K of them) |
 */
export interface TrialBatch {
  B: number;
  N: number;
  T: number;
  L: number;
  inputs: Float32Array;
  actions: Uint8Array;
  rewards: Float32Array;
  mask: Uint8Array;
  logp: Float32Array;
  values: Float32Array;
  returns: Float64Array;
  ends: Float32Array;
  typeOf: Int32Array;
  recordAfter: number[];
  memory: Float32Array;
}

export interface TrialOptions {
  /** Record the hidden state after these numbers of moves (counted from the start of the trial). */
  recordAfter?: readonly number[];
}

/**
 * Run B trials of N episodes each; trial b is on entity type typeOf[b].
 * @param rng one draw per live trial per slot for the action, then one for the env noise
 */
export function rolloutTrials(theta: Float32Array, spec: RecurrentSpec, typeOf: Int32Array, N: number, dyn: Dynamics, rng: Rng, opts: TrialOptions = {}): TrialBatch {
  if (!Number.isInteger(N) || N < 1) throw new RangeError(`rolloutTrials: episodes per trial N must be an integer >= 1, got ${N}`);
  if (spec.obsDim !== 2) throw new RangeError(`rolloutTrials: the particle testbed has obsDim 2, the policy ${spec.obsDim}`);
  const B = typeOf.length, T = dyn.config.horizon, L = N * T, I = inputSize(spec), H = spec.hidden, A = spec.nActions;
  for (let b = 0; b < B; b++) {
    if (!(typeOf[b] >= 0 && typeOf[b] < dyn.types.length)) throw new RangeError(`rolloutTrials: typeOf[${b}] = ${typeOf[b]} is not a type index in [0, ${dyn.types.length})`);
  }
  const recordAfter = (opts.recordAfter ?? []).slice();
  recordAfter.forEach((k, i) => {
    if (!Number.isInteger(k) || k < 0) throw new RangeError(`rolloutTrials: recordAfter[${i}] must be an integer >= 0, got ${k}`);
  });
  const p = packRecurrent(theta, spec);
  const inputs = new Float32Array(B * L * I), actions = new Uint8Array(B * L), rewards = new Float32Array(B * L);
  const mask = new Uint8Array(B * L), logp = new Float32Array(B * L), values = new Float32Array(B * L);
  const returns = new Float64Array(B * N), ends = new Float32Array(B * N * 2);
  const memory = new Float32Array(B * recordAfter.length * H);
  // Per-trial memory of the previous step (reset only between trials).
  const aPrev = new Int32Array(B).fill(-1), rPrev = new Float64Array(B), dPrev = new Float64Array(B), mPrev = new Float64Array(2 * B);
  const moves = new Int32Array(B); // phi's processed so far in the trial
  let h = new Float64Array(B * H), next = new Float64Array(B * H);
  const x = new Float64Array(B * I), live = new Uint8Array(B), act = new Uint8Array(B), probs = new Float64Array(A);
  for (let n = 0; n < N; n++) {
    let s = resetState(dyn.config, B);
    live.fill(1);
    let running = B;
    for (let t = 0; t < T && running > 0; t++) {
      const slot = n * T + t;
      for (let b = 0; b < B; b++) {
        if (live[b]) writeInput(x, b, spec, s, 2 * b, mPrev, 2 * b, aPrev[b], rPrev[b], dPrev[b]);
      }
      gruStep(p.gru, x, h, next, live);
      [h, next] = [next, h];
      for (let b = 0; b < B; b++) {
        if (!live[b]) continue;
        const k = b * L + slot;
        for (let i = 0; i < I; i++) inputs[k * I + i] = x[b * I + i];
        const v = headsAt(p, h, x, b, slot / L, probs);
        const a = sampleFrom(probs, rng);
        act[b] = a;
        actions[k] = a;
        logp[k] = Math.log(Math.max(probs[a], 1e-30));
        values[k] = v;
        mask[k] = 1;
        const r = recordAfter.indexOf(moves[b]);
        if (r >= 0) for (let j = 0; j < H; j++) memory[(b * recordAfter.length + r) * H + j] = h[b * H + j];
        moves[b]++;
      }
      const res = step(dyn, typeOf, s, act, live, rng);
      for (let b = 0; b < B; b++) {
        if (!live[b]) continue;
        const k = b * L + slot;
        rewards[k] = res.reward[b];
        returns[b * N + n] += res.reward[b];
        aPrev[b] = act[b];
        rPrev[b] = res.reward[b];
        mPrev[2 * b] = res.state[2 * b] - s[2 * b];
        mPrev[2 * b + 1] = res.state[2 * b + 1] - s[2 * b + 1];
        const over = res.done[b] === 1 || t === T - 1;
        dPrev[b] = over ? 1 : 0;
        if (over) {
          ends[(b * N + n) * 2] = res.state[2 * b];
          ends[(b * N + n) * 2 + 1] = res.state[2 * b + 1];
        }
        if (res.done[b]) {
          live[b] = 0;
          running--;
        }
      }
      s = res.state;
    }
  }
  return { B, N, T, L, inputs, actions, rewards, mask, logp, values, returns, ends, typeOf: typeOf.slice(), recordAfter, memory };
}
