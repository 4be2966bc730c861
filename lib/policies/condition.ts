/**
 * Conditioning a one-hidden-layer policy on fixed extra inputs, such as a skill z.
 *
 * A skill-conditioned policy pi_theta(a | s, z) reads [s, onehot(z)]. With z fixed for a
 * whole episode (DIAYN: "z ~ p(z) fixed per episode"), the skill's inputs only shift the
 * hidden pre-activation: W1^T [s; c] + b1 = W1_s^T s + (b1 + W1_c^T c). Folding that
 * shift into the bias gives an ordinary policy of the state alone, theta_z, that computes
 * exactly the same function, so the fast typed-array rollouts of 2D policies run skills
 * unchanged. Both the softmax and the Gaussian policy start with the blocks
 * [W1, b1, ...], and the blocks after b1 are copied verbatim.
 */

/**
 * Parameters of the policy with its last `values.length` inputs fixed to `values`.
 * @param theta parameters of a policy with `obsDim` inputs and `hidden` units, W1 first ([obsDim, hidden]) then b1
 * @param values the fixed inputs (e.g. a one-hot skill), length c <= obsDim - 1
 * @returns parameters of the same policy with obsDim - c inputs
 */
export function foldInputs(theta: Float32Array, obsDim: number, hidden: number, values: ArrayLike<number>): Float32Array {
  const c = values.length, D = obsDim - c, H = hidden;
  if (!(D >= 1)) throw new RangeError(`foldInputs: ${c} fixed inputs leave no free input of ${obsDim}`);
  if (theta.length < obsDim * H + H) throw new RangeError(`foldInputs: theta has ${theta.length} parameters, fewer than W1 and b1 of ${obsDim} x ${H}`);
  const out = new Float32Array(theta.length - c * H);
  out.set(theta.subarray(0, D * H), 0); // W1 rows of the free inputs
  for (let j = 0; j < H; j++) {
    let b = theta[obsDim * H + j];
    for (let i = 0; i < c; i++) b += values[i] * theta[(D + i) * H + j];
    out[D * H + j] = b;
  }
  out.set(theta.subarray(obsDim * H + H), D * H + H); // everything after b1
  return out;
}

/** One-hot vector of length n with a 1 at z. */
export function oneHot(z: number, n: number): Float32Array {
  if (!Number.isInteger(z) || z < 0 || z >= n) throw new RangeError(`oneHot: index ${z} is not in [0, ${n})`);
  const v = new Float32Array(n);
  v[z] = 1;
  return v;
}

/** theta_z for every skill z = 0..nSkills-1 (the skill is the last nSkills inputs, one-hot). */
export function skillPolicies(theta: Float32Array, obsDim: number, hidden: number, nSkills: number): Float32Array[] {
  return Array.from({ length: nSkills }, (_, z) => foldInputs(theta, obsDim, hidden, oneHot(z, nSkills)));
}

/**
 * Observations with the skill appended: [N, D] states and their skills -> [N, D + nSkills].
 */
export function appendOneHot(states: Float32Array, D: number, skillOf: ArrayLike<number>, nSkills: number): Float32Array {
  const N = states.length / D;
  if (skillOf.length !== N) throw new RangeError(`appendOneHot: ${N} states but ${skillOf.length} skills`);
  const out = new Float32Array(N * (D + nSkills));
  for (let n = 0; n < N; n++) {
    for (let i = 0; i < D; i++) out[n * (D + nSkills) + i] = states[n * D + i];
    out[n * (D + nSkills) + D + skillOf[n]] = 1;
  }
  return out;
}
