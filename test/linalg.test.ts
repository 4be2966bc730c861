import * as assert from 'assert';
import { inverse, luFactor, luSolve, luSolveT, matVec, solve, vecMat } from '../lib/core/linalg';
import { Rng } from '../lib/core/rng';

describe('small dense linear algebra', () => {
  const n = 7, rng = new Rng(1);
  const a = Float64Array.from({ length: n * n }, (_, k) => rng.normal() + (k % (n + 1) === 0 ? 3 : 0));
  const b = Float64Array.from({ length: n }, () => rng.normal());

  it('solves a hand-checkable 2 x 2 system', () => {
    // [2 1; 1 3] x = [3; 5] -> x = [0.8, 1.4]
    const x = solve([2, 1, 1, 3], [3, 5], 2);
    assert.ok(Math.abs(x[0] - 0.8) < 1e-15 && Math.abs(x[1] - 1.4) < 1e-15);
    const inv = inverse([2, 1, 1, 3], 2);
    [0.6, -0.2, -0.2, 0.4].forEach((v, k) => assert.ok(Math.abs(inv[k] - v) < 1e-15));
  });

  it('LU solves agree with the inverse, for A x = b and for A^T x = b', () => {
    const f = luFactor(a, n), inv = inverse(a, n);
    const x = luSolve(f, b), xt = luSolveT(f, b);
    matVec(inv, b, n).forEach((v, i) => assert.ok(Math.abs(v - x[i]) < 1e-12));
    vecMat(b, inv, n).forEach((v, i) => assert.ok(Math.abs(v - xt[i]) < 1e-12));
    matVec(a, x, n).forEach((v, i) => assert.ok(Math.abs(v - b[i]) < 1e-12));
  });

  it('names a singular matrix', () => {
    assert.throws(() => luFactor([1, 2, 2, 4], 2), /luFactor: the matrix is singular \(column 1\)/);
    assert.throws(() => inverse([1, 2, 3], 2), /expected 4 entries/);
  });
});
