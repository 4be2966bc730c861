/**
 * Run size switch. Every notebook sizes its experiments with `scale()`:
 * - "paper": the paper's sizes (the default, used by the main job);
 * - "quick": tiny budgets that run in seconds (used by the tests and CI).
 * Set with the environment variable LAB_SCALE.
 */
export type Scale = 'quick' | 'paper';

export const SCALES: readonly Scale[] = ['quick', 'paper'];

/** The scale from LAB_SCALE (default "paper"); an unknown value is an error naming the variable. */
export function scale(env: Record<string, string | undefined> = process.env): Scale {
  const v = env.LAB_SCALE;
  if (v === undefined || v === '') return 'paper';
  if (!(SCALES as readonly string[]).includes(v)) {
    throw new Error(`LAB_SCALE: expected "quick" or "paper", got ${JSON.stringify(v)}`);
  }
  return v as Scale;
}

/** Pick the value for a scale: atScale(s, { quick: 3, paper: 40 }). */
export function atScale<T>(s: Scale, values: { quick: T; paper: T }): T {
  return values[s];
}
