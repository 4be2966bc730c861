/**
 * The personalized 2D particle testbed (paper 000, App. 6.1-6.2, Fig. 3).
 *
 * A particle starts at the origin and should reach the target (1, 1). The policy picks
 * one of four cardinal actions (left, right, down, up); the *entity type* decides what
 * the particle actually does with it: a personalization function F : A -> A' first
 * remaps the cardinal direction of each action (a permutation) and then adds variance
 * sideways, perpendicular to the remapped direction, so the defining cardinal direction
 * is kept (the paper's example: "right" (1, 0) becomes (0.42, -1)).
 *
 * For action a of entity type i the displacement is
 *
 *   d = stepSize * ( e[perm[a]] + (drift[a] + spread[a] * u) * n[perm[a]] ),  u ~ U(-1, 1)
 *
 * where e[c] is the unit vector of cardinal direction c and n[c] its left normal.
 * `drift` is a fixed sideways bias of the entity, `spread` the half-width of fresh
 * per-step noise. A pure permutation (Fig. 3, first scheme) has drift = spread = 0; a
 * permutation plus variance (second scheme) has them non-zero. |drift| + spread < 1
 * keeps the cardinal direction the largest component.
 *
 * Reward after each step: r = -||s' - target||^2. An episode ends after `horizon`
 * steps or as soon as ||s' - target|| < goalRadius.
 *
 * Everything is batched: `step` moves B particles of possibly different types at once
 * over typed arrays. Entity types and populations are plain data.
 *
 * References: M. Zhang, "Characterizing Policy Divergence for Personalized Meta-Reinforcement Learning", arXiv:2010.04816, 2020 (App. 6.2, 6.3; Fig. 3).
 */
import { ConfigError } from '../core/config';
import { int, num, Resolved, resolver, section, vec2 } from '../core/schema';
import { Rng } from '../core/rng';

/** Action ids, in the paper's order: left, right, down, up. */
export const LEFT = 0, RIGHT = 1, DOWN = 2, UP = 3;
export const ACTION_NAMES = ['left', 'right', 'down', 'up'] as const;
/** Unit vector of each cardinal direction, indexed like the actions. */
export const DIRECTIONS: readonly (readonly [number, number])[] = [[-1, 0], [1, 0], [0, -1], [0, 1]];
export const N_ACTIONS = 4;

/** The particle's dynamics, shared by all entity types. */
export const particleSchema = section({
  stepSize: num.positive().default(0.05).describe('length of one move, the paper\'s "one pixel unit"; 0.05 makes the straight path to (1, 1) 40 moves long'),
  horizon: int.positive().default(100).describe('episode horizon T: an episode ends after this many steps (paper: 100)'),
  start: vec2.default([0, 0]).describe('start position s_0 (paper: the origin)'),
  target: vec2.default([1, 1]).describe('target position (paper: (1, 1))'),
  goalRadius: num.positive().default(0.01).describe('an episode ends early once the particle is within this distance of the target (paper: 0.01)'),
});
export type ParticleConfig = Resolved<typeof particleSchema>;
/** Check every field and fill in the defaults. */
export const particleConfig = resolver('particle config', particleSchema);
export const PARTICLE_DEFAULTS: ParticleConfig = particleConfig();

/** One entity type: plain data. */
export interface EntityType {
  /** Index of this type in its population. */
  id: number;
  /** Latent group: types of one group share the remapping `perm`. */
  latent: number;
  /** Variant number within the latent group. */
  variant: number;
  /** perm[a] = the cardinal direction (an action id) that action a actually moves along; a permutation of 0..3. */
  perm: number[];
  /** Fixed sideways drift per action, as a fraction of stepSize (|drift| + spread < 1). */
  drift: number[];
  /** Half-width of the uniform per-step sideways noise per action, as a fraction of stepSize. */
  spread: number[];
}

/** How the population of entity types is drawn (App. 6.2). */
export const populationSchema = section({
  latentTypes: int.min(1).max(24).default(6).describe('number of latent groups, each a complete remapping of the controls (paper: 6)'),
  variantsPerLatent: int.positive().default(4).describe('variants per latent group, each adding its own uniform variance per action (paper: 4)'),
  maxDrift: num.min(0).default(0.4).describe('drift of a variant is drawn per action from U(-maxDrift, maxDrift)'),
  maxSpread: num.min(0).default(0.4).describe('noise half-width of a variant is drawn per action from U(0, maxSpread)'),
}).superRefine((c, ctx) => {
  if (c.maxDrift + c.maxSpread >= 1) {
    ctx.addIssue({ code: 'custom', path: ['maxDrift'], message: `plus maxSpread must be < 1 so that every action keeps its cardinal direction, got ${c.maxDrift} + ${c.maxSpread}` });
  }
});
export type PopulationConfig = Resolved<typeof populationSchema>;
export const populationConfig = resolver('population config', populationSchema);
export const POPULATION_DEFAULTS: PopulationConfig = populationConfig();

function allPermutations(n: number): number[][] {
  if (n === 1) return [[0]];
  const out: number[][] = [];
  for (const p of allPermutations(n - 1)) {
    for (let i = 0; i <= p.length; i++) out.push([...p.slice(0, i), n - 1, ...p.slice(i)]);
  }
  return out;
}

/** The actions that move along `dir` under `perm`. */
function preimage(perm: readonly number[], dir: number): number {
  return perm.indexOf(dir);
}

/**
 * `count` distinct control remappings for the latent groups. To reach (1, 1) a policy
 * needs the two actions that now move right and up, so two remappings with the same
 * pair {F^-1(right), F^-1(up)} call for the same behaviour and cannot be told apart from
 * trajectories. We therefore pick remappings whose pairs differ first as unordered
 * pairs (C(4,2) = 6 of them, so 6 latent groups need 6 different pairs of buttons),
 * then as ordered pairs (12), then any permutation (24). Order within a tier is seeded.
 */
export function latentRemappings(count: number, rng: Rng): number[][] {
  if (!Number.isInteger(count) || count < 1 || count > 24) {
    throw new RangeError(`latentRemappings: count must be an integer in [1, 24], got ${count}`);
  }
  const shuffled = rng.shuffle(allPermutations(4));
  const chosen: number[][] = [];
  const unordered = new Set<string>();
  const ordered = new Set<string>();
  const tiers: ((p: number[]) => boolean)[] = [
    (p) => !unordered.has([preimage(p, RIGHT), preimage(p, UP)].sort().join()),
    (p) => !ordered.has([preimage(p, RIGHT), preimage(p, UP)].join()),
    () => true,
  ];
  for (const admissible of tiers) {
    for (const p of shuffled) {
      if (chosen.length === count) break;
      if (chosen.includes(p) || !admissible(p)) continue;
      chosen.push(p);
      unordered.add([preimage(p, RIGHT), preimage(p, UP)].sort().join());
      ordered.add([preimage(p, RIGHT), preimage(p, UP)].join());
    }
  }
  return chosen;
}

/**
 * The population of App. 6.3: `latentTypes` remappings, each with `variantsPerLatent`
 * variants that add uniform variance per entity and action. Types are ordered by latent
 * group, then variant: type id = latent * variantsPerLatent + variant.
 */
export function population(cfg: PopulationConfig, rng: Rng): EntityType[] {
  const perms = latentRemappings(cfg.latentTypes, rng);
  const types: EntityType[] = [];
  for (let latent = 0; latent < perms.length; latent++) {
    for (let variant = 0; variant < cfg.variantsPerLatent; variant++) {
      const drift: number[] = [], spread: number[] = [];
      for (let a = 0; a < N_ACTIONS; a++) {
        drift.push(rng.uniform(-cfg.maxDrift, cfg.maxDrift));
        spread.push(rng.uniform(0, cfg.maxSpread));
      }
      types.push({ id: types.length, latent, variant, perm: perms[latent].slice(), drift, spread });
    }
  }
  return types;
}

/** A pure-permutation entity type (Fig. 3's first scheme): no drift, no noise. */
export function pureRemapping(perm: number[], latent = 0, id = 0): EntityType {
  const t: EntityType = { id, latent, variant: 0, perm: perm.slice(), drift: [0, 0, 0, 0], spread: [0, 0, 0, 0] };
  validateEntityType(t);
  return t;
}

/** Throws an Error naming the field when `t` is not a well-formed entity type. */
export function validateEntityType(t: EntityType, where = `entity type ${t?.id ?? '?'}`): void {
  const isPerm = Array.isArray(t.perm) && t.perm.length === N_ACTIONS &&
    [...t.perm].sort().every((v, i) => v === i);
  if (!isPerm) throw new ConfigError(where, 'perm', `must be a permutation of [0, 1, 2, 3], got ${JSON.stringify(t.perm)}`);
  for (const field of ['drift', 'spread'] as const) {
    const v = t[field];
    if (!Array.isArray(v) || v.length !== N_ACTIONS || !v.every((x) => Number.isFinite(x))) {
      throw new ConfigError(where, field, `must be 4 finite numbers (one per action), got ${JSON.stringify(v)}`);
    }
  }
  for (let a = 0; a < N_ACTIONS; a++) {
    if (t.spread[a] < 0) throw new ConfigError(where, `spread[${a}]`, `must be >= 0, got ${t.spread[a]}`);
    if (Math.abs(t.drift[a]) + t.spread[a] >= 1) {
      throw new ConfigError(where, `drift[${a}]`, `|drift| + spread must be < 1 to keep the cardinal direction, got ${t.drift[a]} and ${t.spread[a]}`);
    }
  }
}

/**
 * Entity types compiled into flat tables for the batched step. For type i and action a,
 * index k = 4 i + a:  mean displacement (meanDx[k], meanDy[k]) and noise axis
 * (noiseDx[k], noiseDy[k]); a step moves by mean + u * noise, u ~ U(-1, 1).
 */
export interface Dynamics {
  readonly config: ParticleConfig;
  readonly types: readonly EntityType[];
  readonly meanDx: Float64Array;
  readonly meanDy: Float64Array;
  readonly noiseDx: Float64Array;
  readonly noiseDy: Float64Array;
}

export function dynamics(types: readonly EntityType[], cfg: ParticleConfig): Dynamics {
  if (types.length === 0) throw new ConfigError('dynamics', 'types', 'must hold at least one entity type, got none');
  const n = types.length * N_ACTIONS;
  const meanDx = new Float64Array(n), meanDy = new Float64Array(n);
  const noiseDx = new Float64Array(n), noiseDy = new Float64Array(n);
  types.forEach((t, i) => {
    validateEntityType(t, `entity type ${i}`);
    for (let a = 0; a < N_ACTIONS; a++) {
      const [ex, ey] = DIRECTIONS[t.perm[a]];
      const nx = -ey, ny = ex; // left normal of the remapped direction
      const k = i * N_ACTIONS + a;
      meanDx[k] = cfg.stepSize * (ex + t.drift[a] * nx);
      meanDy[k] = cfg.stepSize * (ey + t.drift[a] * ny);
      noiseDx[k] = cfg.stepSize * t.spread[a] * nx;
      noiseDy[k] = cfg.stepSize * t.spread[a] * ny;
    }
  });
  return { config: cfg, types, meanDx, meanDy, noiseDx, noiseDy };
}

/** Result of one batched step. */
export interface StepResult {
  /** Next positions s', [B, 2]. */
  state: Float64Array;
  /** r = -||s' - target||^2, [B] (0 for particles that were not live). */
  reward: Float64Array;
  /** 1 where the episode is over after this step (goal reached) or the particle was not live, [B]. */
  done: Uint8Array;
}

/** Initial positions of B particles, [B, 2]. */
export function resetState(cfg: ParticleConfig, B: number): Float64Array {
  const s = new Float64Array(2 * B);
  for (let b = 0; b < B; b++) {
    s[2 * b] = cfg.start[0];
    s[2 * b + 1] = cfg.start[1];
  }
  return s;
}

/**
 * Move B particles one step.
 * @param typeOf [B] entity type index of each particle into `dyn.types`
 * @param state  [B, 2] current positions (not modified)
 * @param actions [B] action ids in 0..3
 * @param live   [B] 1 for particles whose episode is running, or null for all live
 * @param rng    source of the sideways noise; one draw per live particle, in row order
 */
export function step(dyn: Dynamics, typeOf: Int32Array, state: Float64Array, actions: Uint8Array,
  live: Uint8Array | null, rng: Rng): StepResult {
  const B = typeOf.length;
  const { meanDx, meanDy, noiseDx, noiseDy, config } = dyn;
  const [gx, gy] = config.target;
  const r2 = config.goalRadius * config.goalRadius;
  const next = new Float64Array(2 * B);
  const reward = new Float64Array(B);
  const done = new Uint8Array(B);
  for (let b = 0; b < B; b++) {
    const x = state[2 * b], y = state[2 * b + 1];
    if (live !== null && live[b] === 0) {
      next[2 * b] = x;
      next[2 * b + 1] = y;
      done[b] = 1;
      continue;
    }
    const k = typeOf[b] * N_ACTIONS + actions[b];
    const u = 2 * rng.random() - 1;
    const nx = x + meanDx[k] + u * noiseDx[k];
    const ny = y + meanDy[k] + u * noiseDy[k];
    next[2 * b] = nx;
    next[2 * b + 1] = ny;
    const d2 = (nx - gx) * (nx - gx) + (ny - gy) * (ny - gy);
    reward[b] = -d2;
    done[b] = d2 < r2 ? 1 : 0;
  }
  return { state: next, reward, done };
}
