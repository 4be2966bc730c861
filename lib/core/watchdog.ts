/**
 * A kernel dies with the process that started it.
 *
 * jupyter_client starts every kernel in a session of its own and puts the starter's pid
 * in JPY_PARENT_PID. ipykernel watches that pid; tslab does not, so a notebook killed
 * with its executor (the main job's SIGKILL, a crashed JupyterLab) would keep computing
 * and writing data/. `watchParent` gives the tslab kernel the same behaviour: a worker
 * thread checks the parent every half second (core/liveness.ts: gone, or its pid reused)
 * and then stops this process: SIGTERM first, so that a kernel between cells runs its
 * exit hooks (a run's folder lock is released), SIGKILL two seconds later for a kernel
 * busy in a long cell. A worker thread keeps watching while the main thread computes.
 *
 * `lib/index.ts` calls it when loaded, so every notebook kernel watches its parent; it
 * does nothing outside Jupyter (no JPY_PARENT_PID) and in worker threads.
 */
import * as path from 'path';
import { isMainThread, Worker } from 'worker_threads';
import { machineId, processStart, ProcessId } from './liveness';

let watching = false;

/** Start watching JPY_PARENT_PID (idempotent); returns whether a watchdog runs. */
export function watchParent(env: Record<string, string | undefined> = process.env): boolean {
  if (watching || !isMainThread) return watching;
  const raw = env.JPY_PARENT_PID;
  if (raw === undefined || !/^[1-9][0-9]*$/.test(raw)) return false;
  const pid = Number(raw);
  const start = processStart(pid);
  const parent: ProcessId = { host: '', machine: machineId(), pid, start: start ?? '' };
  process.once('SIGTERM', () => process.exit(143));
  const code = `
    const { workerData } = require('worker_threads');
    const { liveness } = require(workerData.liveness);
    const timer = setInterval(() => {
      if (workerData.deadAtStart || liveness(workerData.parent) === 'dead') {
        clearInterval(timer);
        process.kill(workerData.self, 'SIGTERM');
        setTimeout(() => process.kill(workerData.self, 'SIGKILL'), 2000);
      }
    }, 500);
  `;
  const w = new Worker(code, {
    eval: true,
    workerData: { liveness: path.join(__dirname, 'liveness.js'), parent, self: process.pid, deadAtStart: start === null },
  });
  w.unref();
  watching = true;
  return true;
}
