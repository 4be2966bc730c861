/**
 * Worker-thread entry of the runner: loads the tfjs backend the parent chose and the
 * modules that registered experiments in the parent (registry.ts), then runs one
 * (experiment name, config, seed) unit per message and posts the tables back. The
 * experiment is looked up by name in the registry; a message never names a module.
 * The unit's console lines are posted as { log } messages while it runs.
 */
import { format } from 'util';
import { parentPort, workerData } from 'worker_threads';
import { initBackend } from '../core/tf';
import { getExperiment } from './registry';

/** One unit to run. */
export interface UnitRequest {
  experiment: string;
  config: object;
  seed: number;
}

if (!parentPort) throw new Error('worker.ts must run as a worker thread');
const port = parentPort;
// A unit computes synchronously for minutes, and a worker's own stdout reaches the parent
// only when the worker's event loop turns, i.e. after the unit. Its console lines (progress)
// go to the parent at once as messages instead, which prints them with the run's log.
const forward = (...args: unknown[]) => port.postMessage({ log: format(...args) });
console.log = forward;
console.info = forward;
console.warn = forward;
for (const m of (workerData.modules ?? []) as string[]) require(m);
const ready = initBackend(workerData.backend);

port.on('message', async (req: UnitRequest) => {
  try {
    await ready;
    const exp = getExperiment(req.experiment);
    const t0 = performance.now();
    const tables = await exp.unit(req.config, req.seed);
    port.postMessage({ seed: req.seed, tables, ms: performance.now() - t0 });
  } catch (e) {
    const err = e as Error;
    port.postMessage({ seed: req.seed, error: `${err.message}\n${err.stack ?? ''}` });
  }
});
