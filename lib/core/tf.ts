/**
 * The one TensorFlow.js instance the lab uses, and the choice of its backend.
 *
 * tfjs-node (native libtensorflow) is declared as an optional dependency under the alias
 * `tfjs-node-native` (see environment.md for why the alias). If it installed, it is
 * loaded and its `tensorflow` backend is used. Otherwise the pure-JS `@tensorflow/tfjs`
 * runs on the faster of its `wasm` and `cpu` backends for our sizes, measured at start-up
 * on one VPG-sized gradient step (wasm unless cpu is at least 20% faster, so that noise
 * on a busy machine does not flip the choice). `LAB_BACKEND=tensorflow|wasm|cpu`
 * overrides the choice.
 */
import type * as TF from '@tensorflow/tfjs';
import { BackendName, BACKENDS, envBackend } from './env';

export { BackendName };

type TfModule = typeof TF;

function loadTf(): { tf: TfModule; nativeError: string | null } {
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const native = require('tfjs-node-native') as TfModule;
    return { tf: native, nativeError: null };
  } catch (e) {
    const msg = (e as Error).message.split('\n')[0];
    return { tf: require('@tensorflow/tfjs') as TfModule, nativeError: msg };
  }
}

const loaded = loadTf();
// Production mode: silences tfjs' console banners (the lab prints its own backend line).
loaded.tf.env().set('PROD', true);
let wasmRegistered = false;

/** The tfjs namespace. Import it from here, never from '@tensorflow/tfjs' directly. */
export const tf: TfModule = loaded.tf;

export interface BackendInfo {
  /** The backend now in use. */
  name: BackendName;
  /** Why it was picked, in one line (printed at the top of every notebook). */
  reason: string;
  /** Milliseconds per VPG-sized gradient step measured on each candidate, when measured. */
  timings: Partial<Record<BackendName, number>>;
}

let current: BackendInfo | null = null;

function registerWasm(): boolean {
  if (wasmRegistered) return true;
  try {
    const wasm = require('@tensorflow/tfjs-backend-wasm');
    // One thread: the lab parallelises across seeds with worker threads instead.
    if (typeof wasm.setThreadsCount === 'function') wasm.setThreadsCount(1);
    wasmRegistered = true;
  } catch {
    wasmRegistered = false;
  }
  return wasmRegistered;
}

/** Milliseconds per gradient of a 2-68-4 softmax policy's loss at batch 1000 (median of 5 after 2 warm-up calls). */
async function timeGradientStep(): Promise<number> {
  const w1 = tf.randomUniform([2, 68], -1, 1, 'float32', 1);
  const w2 = tf.randomUniform([68, 4], -0.1, 0.1, 'float32', 2);
  const x = tf.randomUniform([1000, 2], -1, 1, 'float32', 3);
  const f = (a: TF.Tensor, b: TF.Tensor) => tf.logSoftmax(tf.matMul(tf.relu(tf.matMul(x, a)), b)).mean() as TF.Scalar;
  const g = tf.grads(f);
  const times: number[] = [];
  for (let i = 0; i < 7; i++) {
    const t0 = performance.now();
    const out = g([w1, w2]);
    await out[0].data();
    tf.dispose(out);
    times.push(performance.now() - t0);
  }
  tf.dispose([w1, w2, x]);
  const settled = times.slice(2).sort((p, q) => p - q); // the first two calls warm up
  return settled[Math.floor(settled.length / 2)];
}

/**
 * Pick and initialise the backend (idempotent). Call once, with `await`, before any tfjs
 * work; notebooks print the returned `reason`.
 * @param prefer force a backend (else LAB_BACKEND, else automatic)
 */
export async function initBackend(prefer?: BackendName): Promise<BackendInfo> {
  if (prefer !== undefined && !(BACKENDS as readonly string[]).includes(prefer)) {
    throw new Error(`initBackend: expected one of ${BACKENDS.join(', ')}, got ${JSON.stringify(prefer)}`);
  }
  const forced = prefer ?? envBackend();
  if (current && (forced === undefined || forced === current.name)) return current;

  if (forced !== undefined) {
    if (forced === 'wasm' && !registerWasm()) throw new Error('LAB_BACKEND=wasm: @tensorflow/tfjs-backend-wasm could not be loaded');
    if (forced === 'tensorflow' && loaded.nativeError !== null) {
      throw new Error(`LAB_BACKEND=tensorflow: tfjs-node is not installed (${loaded.nativeError})`);
    }
    if (!(await tf.setBackend(forced))) throw new Error(`tfjs backend "${forced}" failed to initialise`);
    await tf.ready();
    current = { name: forced, reason: `tfjs backend: ${forced} (forced by ${prefer ? 'the caller' : 'LAB_BACKEND'})`, timings: {} };
    return current;
  }

  if (loaded.nativeError === null && (await tf.setBackend('tensorflow'))) {
    await tf.ready();
    current = { name: 'tensorflow', reason: 'tfjs backend: tensorflow (tfjs-node, native libtensorflow)', timings: {} };
    return current;
  }

  const timings: Partial<Record<BackendName, number>> = {};
  const candidates: BackendName[] = registerWasm() ? ['wasm', 'cpu'] : ['cpu'];
  for (const name of candidates) {
    if (await tf.setBackend(name)) {
      await tf.ready();
      timings[name] = await timeGradientStep();
    }
  }
  // wasm unless cpu is clearly faster: a busy machine makes single timings noisy, and
  // flipping between backends from run to run would change results in the last digits.
  const best: BackendName | undefined = timings.wasm !== undefined && !(timings.cpu !== undefined && timings.cpu < 0.8 * timings.wasm)
    ? 'wasm' : timings.cpu !== undefined ? 'cpu' : undefined;
  if (best === undefined) throw new Error('no tfjs backend could be initialised (tried wasm, cpu)');
  await tf.setBackend(best);
  await tf.ready();
  const measured = (Object.keys(timings) as BackendName[]).map((n) => `${n} ${timings[n]!.toFixed(1)} ms`).join(', ');
  current = {
    name: best,
    reason: `tfjs backend: ${best} (tfjs-node not installed; fastest for a VPG-sized step: ${measured})`,
    timings,
  };
  return current;
}

/** The backend in use, or null before `initBackend`. */
export function backendInfo(): BackendInfo | null {
  return current;
}
