/**
 * Worker-thread entry of the runner: loads the tfjs backend the parent chose, then runs
 * one (experiment, config, seed) unit per message and posts the rows back.
 */
import { parentPort, workerData } from 'worker_threads';
import { initBackend } from '../core/tf';
import type { Experiment } from './runner';

interface UnitRequest {
  module: string;
  exportName: string;
  config: object;
  seed: number;
}

if (!parentPort) throw new Error('worker.ts must run as a worker thread');
const port = parentPort;
const ready = initBackend(workerData.backend);

port.on('message', async (req: UnitRequest) => {
  try {
    await ready;
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const exp = require(req.module)[req.exportName] as Experiment<object> | undefined;
    if (!exp || typeof exp.unit !== 'function') throw new Error(`${req.module} does not export an experiment named ${req.exportName}`);
    const t0 = performance.now();
    const rows = await exp.unit(req.config, req.seed);
    port.postMessage({ seed: req.seed, rows, ms: performance.now() - t0 });
  } catch (e) {
    const err = e as Error;
    port.postMessage({ seed: req.seed, error: `${err.message}\n${err.stack ?? ''}` });
  }
});
