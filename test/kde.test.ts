import * as assert from 'assert';
import { density, fitKde, floorBandwidth, kdeConfig, kdeMoments, kdeWithBandwidth, logDensity, sampleKde } from '../lib/divergence/kde';
import { Rng } from '../lib/core/rng';

const TWO_PI = 2 * Math.PI;

function close(actual: number, expected: number, rel: number, what = ''): void {
  assert.ok(Math.abs(actual - expected) <= rel * Math.abs(expected), `${what}: got ${actual}, expected ${expected} (rel ${rel})`);
}

/** n points from a correlated 2D Gaussian. */
function gaussianPoints(n: number, rng: Rng): Float64Array {
  const out = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    const z1 = rng.normal(), z2 = rng.normal();
    out[2 * i] = 0.5 + 0.3 * z1;
    out[2 * i + 1] = -0.2 + 0.1 * z1 + 0.2 * z2;
  }
  return out;
}

describe('KDE', () => {
  it('matches a hand-computed one-point density (and the floor sets H for a single point)', () => {
    // H = 0.25 I: q(0,0) = 1 / (2 pi 0.25) = 2/pi; q(0.5, 0) = 2/pi * exp(-0.5 * 0.25/0.25).
    const k = kdeWithBandwidth([0, 0], [0.25, 0, 0.25]);
    const q = density(k, [0, 0, 0.5, 0]);
    close(q[0], 2 / Math.PI, 1e-14, 'q(0,0)');
    close(q[1], (2 / Math.PI) * Math.exp(-0.5), 1e-14, 'q(0.5,0)');
    // One point has zero covariance: Scott's H is 0 and the floor minStd^2 I takes over.
    const f = fitKde([1, 2], kdeConfig({ minStd: 0.5 }));
    assert.deepStrictEqual(Array.from(f.H), [0.25, 0, 0.25]);
    close(density(f, [1.5, 2])[0], (2 / Math.PI) * Math.exp(-0.5), 1e-14, 'fitted q(1.5,2)');
  });

  it('matches a hand-computed two-point density', () => {
    // H = I, points (0,0) and (2,0), equal weights: q(0,0) = 1/2 * 1/(2 pi) * (1 + e^{-2}).
    const k = kdeWithBandwidth([0, 0, 2, 0], [1, 0, 1]);
    close(density(k, [0, 0])[0], (0.5 / TWO_PI) * (1 + Math.exp(-2)), 1e-14, 'q(0,0)');
    // Weights 3:1 at the midpoint (1, 0): both kernels give e^{-1/2} / (2 pi).
    close(density(kdeWithBandwidth([0, 0, 2, 0], [1, 0, 1], [3, 1]), [1, 0])[0], Math.exp(-0.5) / TWO_PI, 1e-14, 'weighted q(1,0)');
  });

  it("uses Scott's rule with an eigenvalue floor on collinear points, by hand", () => {
    // Points (0,0), (2,2): unbiased Sigma = [[2,2],[2,2]] (rank 1, along (1,1)/sqrt 2 with
    // eigenvalue 4). Scott: H = 2^{-1/3} Sigma, eigenvalues 4 * 2^{-1/3} and 0; the floor
    // raises the 0 to minEigRatio * 4 * 2^{-1/3}.
    const k = fitKde([0, 0, 2, 2], kdeConfig({ minEigRatio: 0.01, minStd: 1e-6 }));
    const l1 = 4 * Math.pow(2, -1 / 3), l2 = 0.01 * l1;
    close(k.H[0], (l1 + l2) / 2, 1e-12, 'h11');
    close(k.H[1], (l1 - l2) / 2, 1e-12, 'h12');
    close(k.H[2], (l1 + l2) / 2, 1e-12, 'h22');
    // At the midpoint (1,1) each kernel is sqrt 2 away along the major axis: m = 2 / l1.
    const expected = Math.exp(-0.5 * (2 / l1)) / (TWO_PI * Math.sqrt(l1 * l2));
    close(density(k, [1, 1])[0], expected, 1e-12, 'q(1,1)');
  });

  it('integrates to 1 on a grid', () => {
    const k = fitKde(gaussianPoints(60, new Rng(1)));
    const step = 0.01, grid: number[] = [];
    for (let x = -1.5; x <= 2.5; x += step) for (let y = -1.8; y <= 1.4; y += step) grid.push(x, y);
    const mass = density(k, grid).reduce((s, v) => s + v, 0) * step * step;
    assert.ok(Math.abs(mass - 1) < 2e-3, `mass ${mass}`);
  });

  it("draws samples with the KDE's mean and covariance", () => {
    const k = fitKde(gaussianPoints(30, new Rng(2)), undefined, Array.from({ length: 30 }, (_, i) => 1 + (i % 3)));
    const n = 40000;
    const x = sampleKde(k, n, new Rng(3));
    const { mean, cov } = kdeMoments(k);
    let mx = 0, my = 0;
    for (let i = 0; i < n; i++) {
      mx += x[2 * i] / n;
      my += x[2 * i + 1] / n;
    }
    let sxx = 0, sxy = 0, syy = 0;
    for (let i = 0; i < n; i++) {
      const dx = x[2 * i] - mx, dy = x[2 * i + 1] - my;
      sxx += (dx * dx) / n;
      sxy += (dx * dy) / n;
      syy += (dy * dy) / n;
    }
    // Standard errors: sd / sqrt(n) for the means, about var * sqrt(2/n) for the covariances.
    assert.ok(Math.abs(mx - mean[0]) < 4 * Math.sqrt(cov[0] / n), `mean x ${mx} vs ${mean[0]}`);
    assert.ok(Math.abs(my - mean[1]) < 4 * Math.sqrt(cov[2] / n), `mean y ${my} vs ${mean[1]}`);
    const tol = 4 * Math.sqrt(2 / n);
    assert.ok(Math.abs(sxx - cov[0]) < tol * cov[0], `var x ${sxx} vs ${cov[0]}`);
    assert.ok(Math.abs(syy - cov[2]) < tol * cov[2], `var y ${syy} vs ${cov[2]}`);
    assert.ok(Math.abs(sxy - cov[1]) < tol * Math.sqrt(cov[0] * cov[2]), `cov xy ${sxy} vs ${cov[1]}`);
  });

  it('gives finite, positive densities for identical and collinear points under every rule', () => {
    const identical = new Float64Array(40).fill(0.3);
    const line = Float64Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? 0.05 * (i >> 1) : 0.05 * (i >> 1) + 0.1));
    for (const bandwidth of ['scott', 'silverman', 'cv'] as const) {
      for (const pts of [identical, line, Float64Array.of(0.3, 0.3)]) {
        const k = fitKde(pts, kdeConfig({ bandwidth }));
        // A point of the set first (density > 0 there), then off-set and far queries.
        const queries = [pts[0], pts[1], 0.31, 0.3, 5, -5, 0.5, 0.6, 0.5, 0.7];
        const lq = logDensity(k, queries), q = density(k, queries);
        assert.ok(lq.every(Number.isFinite), `${bandwidth}: log densities ${Array.from(lq)}`);
        assert.ok(q.every((v) => Number.isFinite(v) && v >= 0), `${bandwidth}: densities ${Array.from(q)}`);
        assert.ok(q[0] > 0 && Number.isFinite(k.logNorm));
      }
    }
  });

  it('fast log-density equals a plain Math.exp sum, near and far', () => {
    const rng = new Rng(4);
    const k = kdeWithBandwidth(gaussianPoints(50, rng), [0.02, 0.006, 0.01], Array.from({ length: 50 }, () => rng.random()));
    const queries = gaussianPoints(200, rng).map((v, i) => (i < 20 ? v * 6 : v));
    const fast = logDensity(k, queries);
    const det = k.H[0] * k.H[2] - k.H[1] * k.H[1];
    for (let i = 0; i < 200; i++) {
      // Reference: log sum_j w_j N(x; x_j, H), shifted by the largest term for the far queries.
      const terms: number[] = [];
      for (let j = 0; j < k.n; j++) {
        const dx = queries[2 * i] - k.points[2 * j], dy = queries[2 * i + 1] - k.points[2 * j + 1];
        const m = (k.H[2] * dx * dx - 2 * k.H[1] * dx * dy + k.H[0] * dy * dy) / det;
        terms.push(Math.log(k.weights[j]) - 0.5 * m - Math.log(TWO_PI * Math.sqrt(det)));
      }
      const top = Math.max(...terms);
      const ref = top + Math.log(terms.reduce((s, t) => s + Math.exp(t - top), 0));
      assert.ok(Math.abs(fast[i] - ref) < 1e-12 * Math.max(1, Math.abs(ref)), `query ${i}: ${fast[i]} vs ${ref}`);
    }
  });

  it('treats weights like repeated points', () => {
    const H = [0.1, 0.02, 0.05];
    const a = kdeWithBandwidth([0, 0, 1, 0.5], H, [2, 1]);
    const b = kdeWithBandwidth([0, 0, 0, 0, 1, 0.5], H);
    const q = [0.2, 0.1, 0.9, 0.4, -1, 2];
    Array.from(density(a, q)).forEach((v, i) => close(v, density(b, q)[i], 1e-14, `query ${i}`));
    // Zero weights drop a point.
    assert.strictEqual(fitKde([0, 0, 1, 1, 5, 5], undefined, [1, 1, 0]).n, 2);
  });

  it('picks the scale with the largest leave-one-out log-likelihood by cross-validation', () => {
    const pts = gaussianPoints(30, new Rng(5));
    const scales = [0.3, 0.6, 1, 1.5];
    const loo = scales.map((c) => {
      const H = fitKde(pts, kdeConfig({ bandwidth: 'cv', cvScales: [c] })).H;
      let ll = 0;
      for (let i = 0; i < 30; i++) {
        const rest = Array.from(pts).filter((_, j) => j >> 1 !== i);
        ll += logDensity(kdeWithBandwidth(rest, H), [pts[2 * i], pts[2 * i + 1]])[0] / 30;
      }
      return ll;
    });
    const best = scales[loo.indexOf(Math.max(...loo))];
    assert.strictEqual(fitKde(pts, kdeConfig({ bandwidth: 'cv', cvScales: scales })).factor, best, `LOO ${loo}`);
  });

  it('cross-validates a smaller bandwidth than Scott for four tight clusters, and it fits fresh data better', () => {
    const rng = new Rng(5);
    const clusters = (n: number) => {
      const p: number[] = [];
      for (let i = 0; i < n; i++) p.push((i % 2) * 2 + 0.1 * rng.normal(), ((i >> 1) % 2) * 2 + 0.1 * rng.normal());
      return p;
    };
    const pts = clusters(80), fresh = clusters(800);
    const cv = fitKde(pts, kdeConfig({ bandwidth: 'cv' })), scott = fitKde(pts);
    assert.ok(cv.factor < 1, `cv factor ${cv.factor}`);
    const ll = (k: ReturnType<typeof fitKde>) => logDensity(k, fresh).reduce((s, v) => s + v, 0);
    assert.ok(ll(cv) > ll(scott), `held-out log-likelihood cv ${ll(cv)} vs scott ${ll(scott)}`);
  });

  it("uses Silverman's robust spread on a diagonal bandwidth", () => {
    const rng = new Rng(6);
    const pts: number[] = [];
    for (let i = 0; i < 99; i++) {
      const x = rng.normal();
      pts.push(x, rng.normal() + 0.5 * x);
    }
    pts.push(60, 0); // one far outlier inflates the standard deviation of x, not its IQR
    const s = fitKde(pts, kdeConfig({ bandwidth: 'silverman' })), scott = fitKde(pts);
    assert.strictEqual(s.H[1], 0);
    assert.ok(s.H[0] < 0.1 * scott.H[0], `silverman h11 ${s.H[0]} vs scott ${scott.H[0]}`);
  });

  it('floors eigenvalues relative to the largest and absolutely', () => {
    assert.deepStrictEqual(Array.from(floorBandwidth([4, 0, 0], 0.1, 0.25)), [4, 0, 1]);
    assert.deepStrictEqual(Array.from(floorBandwidth([0, 0, 0], 0.1, 0.25)).map((v) => +v.toFixed(12)), [0.01, 0, 0.01]);
    const h = floorBandwidth([1, 0.2, 0.5], 1e-3, 1e-4); // already well conditioned: unchanged
    [1, 0.2, 0.5].forEach((v, i) => close(h[i], v, 1e-12, `entry ${i}`));
  });

  it('rejects bad settings and bad points, naming the field', () => {
    assert.throws(() => kdeConfig({ minStd: 0 }), /kde config: "minStd" must be a finite number > 0, got 0/);
    assert.throws(() => kdeConfig({ bandwidth: 'wide' as never }), /kde config: "bandwidth" must be one of "scott", "silverman", "cv", got "wide"/);
    assert.throws(() => kdeConfig({ cvScales: [] }), /kde config: "cvScales" must hold at least 1 item, got \[\]/);
    assert.throws(() => fitKde([0, 0, NaN, 1]), /fitKde: point 1 has a non-finite coordinate \(NaN\)/);
    assert.throws(() => fitKde([0, 0, 1]), /fitKde: points must be a non-empty \[n, 2\] array/);
    assert.throws(() => fitKde([0, 0, 1, 1], undefined, [1, -1]), /fitKde: weight 1 is -1/);
    assert.throws(() => kdeWithBandwidth([0, 0], [1, 2, 1]), /not positive definite/);
  });
});
