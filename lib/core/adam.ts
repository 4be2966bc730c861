/**
 * Adam (Kingma & Ba, 2015) over flat Float32Array parameters, as a pure function.
 * The policy-gradient algorithms use it for their outer updates, as Spinning Up's VPG does.
 */
import { ConfigError } from './config';
import { num, Resolved, resolveConfig, resolver, section } from './schema';

/** Adam's settings. Sections that embed it set their own step size: `adam: withDefaults(adamSchema, { lr: 0.01 }).default({})`. */
export const adamSchema = section({
  lr: num.positive().default(1e-3).describe('step size alpha'),
  beta1: num.min(0).max(1).default(0.9).describe('decay of the first-moment estimate'),
  beta2: num.min(0).max(1).default(0.999).describe('decay of the second-moment estimate'),
  eps: num.positive().default(1e-8).describe('added to sqrt(v_hat) for numerical safety'),
});
export type AdamConfig = Resolved<typeof adamSchema>;
export const adamConfig = resolver('adam config', adamSchema);

export interface AdamState {
  /** First moment m, same length as theta. */
  m: Float32Array;
  /** Second moment v. */
  v: Float32Array;
  /** Number of steps taken so far. */
  t: number;
}

export function adamInit(n: number): AdamState {
  return { m: new Float32Array(n), v: new Float32Array(n), t: 0 };
}

/**
 * One Adam step that *descends* `grad`:
 *   m <- b1 m + (1-b1) g;  v <- b2 v + (1-b2) g^2
 *   theta <- theta - lr * m_hat / (sqrt(v_hat) + eps)
 * Returns new arrays; the inputs are not modified.
 */
export function adamStep(theta: Float32Array, grad: Float32Array, state: AdamState, cfg: AdamConfig): { theta: Float32Array; state: AdamState } {
  if (grad.length !== theta.length || state.m.length !== theta.length) {
    throw new RangeError(`adamStep: theta, grad and state lengths differ (${theta.length}, ${grad.length}, ${state.m.length})`);
  }
  const t = state.t + 1;
  const m = new Float32Array(theta.length), v = new Float32Array(theta.length), out = new Float32Array(theta.length);
  const c1 = 1 - Math.pow(cfg.beta1, t), c2 = 1 - Math.pow(cfg.beta2, t);
  for (let i = 0; i < theta.length; i++) {
    const g = grad[i];
    m[i] = cfg.beta1 * state.m[i] + (1 - cfg.beta1) * g;
    v[i] = cfg.beta2 * state.v[i] + (1 - cfg.beta2) * g * g;
    out[i] = theta[i] - (cfg.lr * (m[i] / c1)) / (Math.sqrt(v[i] / c2) + cfg.eps);
  }
  return { theta: out, state: { m, v, t } };
}

/**
 * The same step in place: theta, m and v are overwritten, t is incremented. For the
 * off-policy learners, which take tens of thousands of steps over one flat array and
 * should not allocate three new arrays each time. `lr` overrides cfg.lr (one config,
 * several networks with their own step sizes).
 */
export function adamInPlace(theta: Float32Array, grad: ArrayLike<number>, state: AdamState, cfg: AdamConfig, lr = cfg.lr): void {
  if (grad.length !== theta.length || state.m.length !== theta.length) {
    throw new RangeError(`adamInPlace: theta, grad and state lengths differ (${theta.length}, ${grad.length}, ${state.m.length})`);
  }
  const t = ++state.t;
  const b1 = cfg.beta1, b2 = cfg.beta2, eps = cfg.eps;
  const c1 = 1 - Math.pow(b1, t), c2 = 1 - Math.pow(b2, t);
  const step = lr / c1, sc2 = 1 / c2;
  const m = state.m, v = state.v;
  for (let i = 0; i < theta.length; i++) {
    const g = grad[i];
    const mi = b1 * m[i] + (1 - b1) * g;
    const vi = b2 * v[i] + (1 - b2) * g * g;
    m[i] = mi;
    v[i] = vi;
    theta[i] -= (step * mi) / (Math.sqrt(vi * sc2) + eps);
  }
}

/** Validate an Adam section embedded in an older-style config (errors name `where` and the field). */
export function checkAdam(where: string, c: AdamConfig, prefix = ''): void {
  try {
    resolveConfig(where, adamSchema, c);
  } catch (e) {
    if (e instanceof ConfigError) throw new ConfigError(where, `${prefix}${e.field}`, e.message.slice(e.message.indexOf('" ') + 2));
    throw e;
  }
}
