import * as assert from 'assert';
import type * as TF from '@tensorflow/tfjs';
import { adamConfig, adamInit, adamInPlace, adamStep } from '../lib/core/adam';
import { Rng } from '../lib/core/rng';
import { stopGradient } from '../lib/core/stop-gradient';
import { tf } from '../lib/core/tf';
import { denseTf, initMlp, mlpBackwardTf, mlpForward, mlpForwardTf, mlpLayout, mlpSpec, mlpTf, readFlat, uploadMlp } from '../lib/policies/mlp';

const layout = mlpLayout(mlpSpec({ input: 3, hidden: [5, 4], output: 2 }));

function randn(rng: Rng, n: number): Float32Array {
  return Float32Array.from({ length: n }, () => rng.normal());
}

describe('MLP over flat parameters', () => {
  it('lays out W1 [3,5], b1, W2 [5,4], b2, W3 [4,2], b3 in theta order', () => {
    assert.deepStrictEqual(layout.blocks.map((b) => [b.name, b.shape, b.offset]), [
      ['W1', [3, 5], 0], ['b1', [5], 15], ['W2', [5, 4], 20], ['b2', [4], 40], ['W3', [4, 2], 44], ['b3', [2], 52],
    ]);
    assert.strictEqual(layout.size, 54);
  });

  it('initialises like rlkit: fan-in hidden weights, hidden biases 0.1, a near-zero output layer', () => {
    const theta = initMlp(layout, new Rng(1));
    const b = (name: string) => layout.blocks.find((x) => x.name === name)!;
    const w1 = theta.subarray(b('W1').offset, b('W1').offset + 15);
    assert.ok(Math.max(...w1.map(Math.abs)) <= 1 / Math.sqrt(3) + 1e-7);
    assert.ok(theta.subarray(b('b1').offset, b('b1').offset + 5).every((v) => Math.abs(v - 0.1) < 1e-7));
    assert.ok(theta.subarray(b('W3').offset, layout.size).every((v) => Math.abs(v) <= 3e-3));
  });

  it('computes the same outputs in tfjs and in plain typed-array math', () => {
    const rng = new Rng(2);
    const theta = randn(rng, layout.size), x = randn(rng, 7 * 3);
    const js = mlpForward(layout, theta, x, 7);
    const t = tf.tidy(() => mlpTf(layout, uploadMlp(layout, theta), tf.tensor2d(x, [7, 3])).dataSync());
    for (let i = 0; i < js.length; i++) assert.ok(Math.abs(js[i] - t[i]) < 1e-5, `output ${i}: ${js[i]} vs ${t[i]}`);
  });

  it('backpropagates explicitly to the same gradients as tfjs autodiff', () => {
    const rng = new Rng(3);
    const theta = randn(rng, layout.size), x = randn(rng, 6 * 3), dOut = randn(rng, 6 * 2);
    tf.tidy(() => {
      const w = uploadMlp(layout, theta), xt = tf.tensor3d(x, [1, 6, 3]), dy = tf.tensor3d(dOut, [1, 6, 2]);
      const tape = mlpForwardTf(layout, w, xt);
      const mine = mlpBackwardTf(layout, w, tape, dy, { weights: true, input: true });
      const ref = tf.grads((...ps: TF.Tensor[]) => tf.sum(tf.mul(mlpTf(layout, ps.slice(0, -1), ps[ps.length - 1]), dy)))([...w, xt]);
      const a = readFlat([...mine.dW!, mine.dx!]), b = readFlat(ref);
      for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) < 1e-4 * (1 + Math.abs(b[i])), `gradient ${i}: ${a[i]} vs ${b[i]}`);
    });
  });

  it('gives denseTf a gradient that matches central finite differences', () => {
    const rng = new Rng(4);
    const W = randn(rng, 3 * 4), b = randn(rng, 4), x = randn(rng, 5 * 3), c = randn(rng, 5 * 4);
    // f = sum(c * relu(x W + b)) in float64, the reference
    const f = (Wv: ArrayLike<number>, bv: ArrayLike<number>, xv: ArrayLike<number>) => {
      let s = 0;
      for (let n = 0; n < 5; n++) for (let j = 0; j < 4; j++) {
        let z = bv[j];
        for (let i = 0; i < 3; i++) z += xv[n * 3 + i] * Wv[i * 4 + j];
        s += c[n * 4 + j] * Math.max(0, z);
      }
      return s;
    };
    const g = tf.tidy(() => readFlat(tf.grads((Wt: TF.Tensor, bt: TF.Tensor, xt: TF.Tensor) =>
      tf.sum(tf.mul(denseTf(xt as TF.Tensor3D, Wt as TF.Tensor3D, bt, true), tf.tensor3d(c, [1, 5, 4]))))([tf.tensor3d(W, [1, 3, 4]), tf.tensor1d(b), tf.tensor3d(x, [1, 5, 3])])));
    const params = [Float64Array.from(W), Float64Array.from(b), Float64Array.from(x)];
    let k = 0;
    for (let p = 0; p < 3; p++) {
      for (let i = 0; i < params[p].length; i++, k++) {
        const h = 1e-5, save = params[p][i];
        params[p][i] = save + h;
        const up = f(params[0], params[1], params[2]);
        params[p][i] = save - h;
        const down = f(params[0], params[1], params[2]);
        params[p][i] = save;
        const fd = (up - down) / (2 * h);
        assert.ok(Math.abs(fd - g[k]) < 1e-3 * (1 + Math.abs(fd)), `parameter ${p}[${i}]: finite difference ${fd}, gradient ${g[k]}`);
      }
    }
  });

  it('stopGradient keeps the value and cuts the gradient', () => {
    tf.tidy(() => {
      const [g] = tf.grads((x: TF.Tensor) => tf.add(tf.sum(tf.square(x)), tf.sum(tf.mul(stopGradient(tf.mul(x, 3)), x))))([tf.tensor1d([1, 2])]);
      // d/dx [x^2 + c x] with c = 3x held constant: 2x + 3x = 5x
      assert.deepStrictEqual(Array.from(g.dataSync()), [5, 10]);
      assert.deepStrictEqual(Array.from(stopGradient(tf.tensor1d([4, 5])).dataSync()), [4, 5]);
    });
  });

  it('takes the same Adam step in place as the allocating adamStep', () => {
    const rng = new Rng(5);
    const theta = randn(rng, 10), cfg = adamConfig({ lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8 });
    let ref = { theta: Float32Array.from(theta), state: adamInit(10) };
    const mine = Float32Array.from(theta), st = adamInit(10);
    for (let t = 0; t < 5; t++) {
      const g = randn(rng, 10);
      ref = adamStep(ref.theta, g, ref.state, cfg);
      adamInPlace(mine, g, st, cfg);
    }
    for (let i = 0; i < 10; i++) assert.ok(Math.abs(mine[i] - ref.theta[i]) < 1e-6);
    assert.strictEqual(st.t, 5);
  });

  it('rejects a bad spec naming the field', () => {
    assert.throws(() => mlpSpec({ input: 0, hidden: [4], output: 1 }), /"input" must be an integer > 0, got 0/);
    assert.throws(() => mlpSpec({ input: 2, hidden: [], output: 1 }), /"hidden" must hold at least 1 item/);
    assert.throws(() => mlpForward(layout, new Float32Array(3), new Float32Array(3), 1), /theta must be a Float32Array of 54/);
  });
});
