/**
 * CAML's evaluation as a bandit (paper 000 Sec. 3.2): "given k available arms (the
 * policies) and K arm pulls (the few number of shots, i.e. episodes allowed), we want to
 * maximize the corresponding reward from following the arm policy for an entire
 * episode ... simply sampling policies and saving their cumulative associated rewards
 * for each rollout r in {1, 2, ..., K} -- then initializing with the medoid policy
 * parameters corresponding to the highest reward".
 *
 * Strategies:
 * - "sample" (the paper's): pull arms in a random order, cycling so that counts differ by
 *   at most one; choose the arm with the highest mean reward.
 * - "ucb": UCB1 (Auer et al. 2002) after one pull of each arm: pull argmax mean_i +
 *   c * sqrt(2 ln t / n_i), rewards scaled by `scale`; choose the highest mean.
 */
import { check } from '../core/config';
import { num, Resolved, resolver, section, z } from '../core/schema';
import { Rng } from '../core/rng';

export const BANDIT_STRATEGIES = ['sample', 'ucb'] as const;
export type BanditStrategy = (typeof BANDIT_STRATEGIES)[number];

export const banditSchema = section({
  strategy: z.enum(BANDIT_STRATEGIES).default('sample').describe('how arms are pulled'),
  c: num.min(0).default(1).describe('UCB exploration weight c'),
  scale: num.positive().default(100).describe('typical reward scale for UCB (our returns are about -30 to -300)'),
});
export type BanditConfig = Resolved<typeof banditSchema>;
export const banditConfig = resolver('bandit config', banditSchema);
export const BANDIT_DEFAULTS: BanditConfig = banditConfig();

export interface BanditResult {
  /** Index of the chosen arm. */
  choice: number;
  /** Pulls per arm. */
  counts: number[];
  /** Cumulative reward per arm. */
  totals: number[];
  /** Mean reward per arm (NaN for arms never pulled). */
  means: number[];
  /** The arm of every pull, in order. */
  pulls: number[];
}

/**
 * Spend K pulls on k arms and pick one.
 * @param pull runs one episode of arm i and returns its reward
 */
export function runBandit(k: number, K: number, pull: (arm: number) => number, cfg: BanditConfig, rng: Rng): BanditResult {
  check.positiveInt('bandit', 'k', k);
  check.positiveInt('bandit', 'K', K);
  const counts = new Array(k).fill(0), totals = new Array(k).fill(0), pulls: number[] = [];
  const doPull = (arm: number) => {
    totals[arm] += pull(arm);
    counts[arm]++;
    pulls.push(arm);
  };
  if (cfg.strategy === 'sample') {
    let order: number[] = [];
    for (let t = 0; t < K; t++) {
      if (order.length === 0) order = rng.shuffle([...Array(k).keys()]);
      doPull(order.shift()!);
    }
  } else {
    for (let t = 0; t < K; t++) {
      let arm = counts.findIndex((n) => n === 0);
      if (arm < 0) {
        let best = -Infinity;
        for (let i = 0; i < k; i++) {
          const ucb = totals[i] / counts[i] / cfg.scale + cfg.c * Math.sqrt((2 * Math.log(t)) / counts[i]);
          if (ucb > best) {
            best = ucb;
            arm = i;
          }
        }
      }
      doPull(arm);
    }
  }
  const means = totals.map((s, i) => (counts[i] > 0 ? s / counts[i] : NaN));
  // The pulled arm with the highest mean reward (lowest index on ties).
  let choice = -1;
  for (let i = 0; i < k; i++) {
    if (counts[i] > 0 && (choice < 0 || means[i] > means[choice])) choice = i;
  }
  return { choice, counts, totals, means, pulls };
}
