/**
 * npm run worker -- --queue redis://host:port [--threads N] [--lock-ms MS] [--stalled-ms MS]
 *
 * Serves the lab's BullMQ queue on this machine: pulls units that a coordinator (a
 * notebook or the main job with LAB_QUEUE=redis://host:port) queued, computes them on N
 * worker threads (default: one per core), and hands the tables back. Run it on every
 * machine that should help, with the repository at the coordinator's commit and built
 * (npm ci). Ctrl-C stops taking units and finishes the running ones; a second Ctrl-C
 * stops at once (the running units go back to the queue for the other workers).
 */
import { ConfigError } from '../lib/core/config';
import { queueUrl } from '../lib/core/env';
import { cores } from '../lib/experiments/executors/open';
import { serveQueue } from '../lib/experiments/executors/redis-worker';

const USAGE = 'usage: npm run worker -- --queue redis://host:port [--threads N] [--lock-ms MS] [--stalled-ms MS]';

function parseArgs(argv: string[]): { queue: string; threads: number; lockMs: number; stalledMs: number } {
  const vals: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const m = a.match(/^--(queue|threads|lock-ms|stalled-ms)(?:=(.*))?$/);
    if (!m) throw new ConfigError('worker', a, `is not an option. ${USAGE}`);
    const v = m[2] ?? argv[++i];
    if (v === undefined) throw new ConfigError('worker', `--${m[1]}`, `needs a value. ${USAGE}`);
    vals[m[1]] = v;
  }
  const queue = vals.queue ?? process.env.LAB_QUEUE;
  if (!queue) throw new ConfigError('worker', '--queue', `is required (or LAB_QUEUE). ${USAGE}`);
  const int = (k: string, def: number, min: number) => {
    if (vals[k] === undefined) return def;
    if (!/^\d+$/.test(vals[k]) || Number(vals[k]) < min) throw new ConfigError('worker', `--${k}`, `must be an integer >= ${min}, got ${JSON.stringify(vals[k])}`);
    return Number(vals[k]);
  };
  return { queue: queueUrl(queue, vals.queue !== undefined ? '--queue' : 'LAB_QUEUE'), threads: int('threads', cores(), 1), lockMs: int('lock-ms', 30000, 100), stalledMs: int('stalled-ms', 30000, 100) };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const worker = await serveQueue(args.queue, { threads: args.threads, lockMs: args.lockMs, stalledMs: args.stalledMs });
  let stopping = false;
  const stop = () => {
    if (stopping) {
      console.log(`[worker ${worker.name}] stopping now; running units go back to the queue`);
      process.exit(130);
    }
    stopping = true;
    console.log(`[worker ${worker.name}] finishing the running units, then stopping (Ctrl-C again to stop now)`);
    worker.close().then(() => process.exit(0), (e) => {
      console.error(e);
      process.exit(1);
    });
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((e) => {
  console.error(`[worker] ${(e as Error).message}`);
  process.exit(1);
});
