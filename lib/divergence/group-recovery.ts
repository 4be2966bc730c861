/**
 * Does a distance matrix recover known groups? The score Figure 4 of paper 000 puts on
 * policy divergences, also used for paper 001's expert distances and for RL²'s memory:
 * K-medoids with k = number of groups, its adjusted Rand index against the groups, and
 * the mean between-group / within-group distance.
 */
import { Rng } from '../core/rng';
import { adjustedRandIndex, DistanceInput, groupDistances } from './grouping';
import { kmedoids } from './kmedoids';

export interface GroupRecovery {
  /** ARI of K-medoids labels (k = number of distinct groups) against the groups: 1 = exact, 0 = chance. */
  ari: number;
  /** Mean distance between items of the same group. */
  within: number;
  /** Mean distance between items of different groups. */
  between: number;
  /** between / within (> 1 when groups are tighter than the population). */
  ratio: number;
}

/**
 * @param D [n, n] distance matrix
 * @param groups [n] the known group of each item
 * @param rng breaks K-medoids' BUILD ties
 */
export function groupRecovery(D: DistanceInput, groups: ArrayLike<number>, rng: Rng): GroupRecovery {
  const k = new Set(Array.from(groups)).size;
  const km = kmedoids(D, k, rng);
  const gd = groupDistances(D, groups);
  return { ari: adjustedRandIndex(km.labels, groups), within: gd.within, between: gd.between, ratio: gd.ratio };
}
