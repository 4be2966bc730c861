/**
 * Run size switch. Every notebook sizes its experiments with `scale()`:
 * - "paper": the paper's sizes (the default, used by the main job);
 * - "quick": tiny budgets that run in seconds (used by the tests and CI).
 * Set with the environment variable LAB_SCALE (parsed in env.ts).
 */
import { Env, envScale, Scale, SCALES } from './env';

export { Scale, SCALES };

/** The scale from LAB_SCALE (default "paper"); an unknown value is an error naming the variable. */
export function scale(env: Env = process.env): Scale {
  return envScale(env);
}

/** Pick the value for a scale: atScale(s, { quick: 3, paper: 40 }). */
export function atScale<T>(s: Scale, values: { quick: T; paper: T }): T {
  return values[s];
}
