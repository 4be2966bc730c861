import { initBackend, tf } from '../lib/core/tf';
import { Rng } from '../lib/core/rng';
import { testbed, testbedConfig, DEFAULT_QUERY_TYPES } from '../lib/envs/testbed';
import { rl2Config, rl2Init, rl2Step } from '../lib/algos/rl2';

async function main() {
  const info = await initBackend();
  console.log(info.reason);
  const bed = testbed(testbedConfig());
  const support = process.env.SUPPORT ? JSON.parse(process.env.SUPPORT) : bed.types.map((t) => t.id).filter((t) => !DEFAULT_QUERY_TYPES.includes(t));
  const cfg = rl2Config(JSON.parse(process.argv[2] ?? '{}'));
  const iters = Number(process.argv[3] ?? 5);
  const rng = new Rng(1);
  let s = rl2Init(cfg, rng.split());
  const r = rng.split();
  let acc = 0, cnt = 0;
  for (let i = 0; i < iters; i++) {
    const t0 = performance.now();
    const out = rl2Step(s, support, cfg, bed.dyn, r);
    s = out.state;
    const i2 = out.info;
    acc += i2.episodeReturns.reduce((a, b) => a + b, 0) / i2.episodeReturns.length; cnt++;
    if (i % Number(process.env.EVERY ?? 10) === 0 || i === iters - 1) console.log(i, (performance.now() - t0).toFixed(0) + 'ms', i2.episodeReturns.map((v) => v.toFixed(1)).join(' '), 'avg', (acc / cnt).toFixed(1), 'pl', i2.policyLoss.toFixed(3), 'vl', i2.valueLoss.toFixed(3), 'H', i2.entropy.toFixed(3), 'g', i2.gradNorm.toFixed(2), 'tensors', tf.memory().numTensors); if (i % Number(process.env.EVERY ?? 10) === 0) { acc = 0; cnt = 0; }
  }
}
main();
