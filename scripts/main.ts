/**
 * The main job: execute every notebook in notebooks/ headlessly through Jupyter's own
 * executor (nbclient) with the tslab kernel, then write for each notebook
 *   reports/<name>.ipynb   the executed notebook, with a picture fallback in every chart
 *   reports/<name>/        chart-k.png, chart-k.svg and thumbnail.png (headless Chromium)
 *   reports/<name>.html    a self-contained offline HTML export
 * plus reports/index.html listing every report in the folder.
 *
 * Usage: node dist/scripts/main.js [--scale paper|quick] [--out DIR] [--only NAME ...] [--dir DIR]
 *   --scale  run size passed to the notebooks as LAB_SCALE (default: LAB_SCALE or "paper")
 *   --out    reports folder (default: reports/)
 *   --only   run only notebooks whose file name contains NAME
 *   --dir    folder of notebooks (default: notebooks/)
 * Chromium: CHROMIUM_PATH, else /usr/bin/chromium (checked before any notebook runs).
 * The LAB_ variables are checked before any notebook runs (lib/core/env.ts); a relative
 * LAB_DATA_DIR is made absolute here, so kernels (which run in the notebooks' folder)
 * write where the job was started.
 * Exits non-zero when a notebook fails, naming the notebook and the cell.
 *
 * Stopping: SIGINT (Ctrl-C), SIGTERM and SIGHUP stop the whole job: the notebook executor
 * runs in a process group of its own, which gets SIGTERM (it stops the kernel's group,
 * scripts/notebooks.py) and SIGKILL if it is still there after 8 s; Chromium is closed;
 * temporary files of the job are removed; the job prints one line saying what was
 * finished and exits with 128 + the signal number. A second signal kills at once. If the
 * job itself is killed (SIGKILL), the executor notices that its parent is gone and stops
 * the kernel, and the kernel notices the executor is gone (lib/core/watchdog.ts).
 */
import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { labEnv } from '../lib/core/env';
import { formatDuration } from '../lib/core/progress';
import { scale as envScale, Scale, SCALES } from '../lib/core/scale';
import { removeDeadTemps } from '../lib/experiments/results';
import { chromiumPath } from './browser';
import { ChartRenderer, renderNotebookCharts } from './images';
import { readNotebook, writeNotebook } from './ipynb';
import { reportMetaHtml, withReportStamp, writeIndex } from './report';

const ROOT = path.join(__dirname, '..', '..');

export interface MainOptions {
  scale: Scale;
  out: string;
  only: string[];
  /** Folder of notebooks to run (default notebooks/). */
  dir: string;
}

export function parseArgs(argv: string[]): MainOptions {
  const opts: MainOptions = { scale: envScale(), out: path.join(ROOT, 'reports'), only: [], dir: path.join(ROOT, 'notebooks') };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a}: expected a value`);
      return v;
    };
    if (a === '--scale') {
      const v = value();
      if (!(SCALES as readonly string[]).includes(v)) throw new Error(`--scale: expected "quick" or "paper", got ${JSON.stringify(v)}`);
      opts.scale = v as Scale;
    } else if (a === '--out') opts.out = path.resolve(value());
    else if (a === '--only') opts.only.push(value());
    else if (a === '--dir') opts.dir = path.resolve(value());
    else if (a === '--help' || a === '-h') {
      console.log('usage: node dist/scripts/main.js [--scale paper|quick] [--out DIR] [--only NAME ...] [--dir NOTEBOOKS_DIR]');
      process.exit(0);
    } else throw new Error(`unknown argument ${JSON.stringify(a)} (see --help)`);
  }
  return opts;
}

/** Debian's python3 with nbclient and nbconvert (what scripts/setup.sh installs). */
export function findPython(): string {
  for (const p of ['/usr/bin/python3', 'python3']) {
    const r = spawnSync(p, ['-c', 'import nbclient, nbconvert'], { stdio: 'ignore' });
    if (r.status === 0) return p;
  }
  throw new Error('no python3 with nbclient and nbconvert found: run "npm run setup" (on Debian: apt-get install -y jupyter-notebook python3-nbconvert)');
}

export function listNotebooks(only: string[] = [], dir = path.join(ROOT, 'notebooks')): string[] {
  return fs.readdirSync(dir)
    .filter((f) => f.endsWith('.ipynb') && !f.startsWith('.'))
    .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
    .sort()
    .map((f) => path.join(dir, f));
}

export interface NotebookOutcome {
  name: string;
  ok: boolean;
  /** Wall time of the whole notebook (execution, images, export). */
  seconds: number;
  /** Wall time of the image step (after execution: render, write files and fallbacks). */
  imageSeconds: number;
  /** What went wrong besides a failing cell (which notebooks.py reports itself). */
  problems: string[];
}

/** What the job is doing, so that a signal can stop it and say what was finished. */
export interface JobState {
  started: number;
  finished: NotebookOutcome[];
  /** The notebook being run, if any. */
  current: string | null;
  /** Notebooks not started yet. */
  pending: string[];
  /** The running notebooks.py (its own process group), if any. */
  python: ChildProcess | null;
  /** Chromium for the current notebook, if open. */
  renderer: Promise<ChartRenderer> | null;
  /** Set once a signal arrived: nothing new starts. */
  stopping: NodeJS.Signals | null;
}

const job: JobState = { started: Date.now(), finished: [], current: null, pending: [], python: null, renderer: null, stopping: null };

/**
 * Run notebooks.py with the terminal attached, in a process group of its own (so a stop
 * reaches it and everything it started); resolves with its exit code. After a stop it
 * starts nothing and never resolves (the stop handler ends the process).
 */
function runPython(python: string, args: string[], env: NodeJS.ProcessEnv): Promise<number | null> {
  if (job.stopping) return new Promise(() => undefined);
  return new Promise((resolve, reject) => {
    const child = spawn(python, [path.join(ROOT, 'scripts', 'notebooks.py'), '--parent-pid', String(process.pid), ...args], { stdio: 'inherit', env, detached: true });
    job.python = child;
    child.on('error', (e) => reject(new Error(`${python} ${args[0]}: could not start (${e.message})`)));
    child.on('close', (code) => {
      if (job.python === child) job.python = null;
      if (!job.stopping) resolve(code);
    });
  });
}

/** The environment of the notebook executor and its kernels: the scale, tslab on PATH, and an absolute LAB_DATA_DIR. */
export function childEnv(env: NodeJS.ProcessEnv, scale: Scale, cwd = process.cwd()): NodeJS.ProcessEnv {
  const lab = labEnv(env, cwd);
  const out: NodeJS.ProcessEnv = { ...env, LAB_SCALE: scale, PATH: `${path.join(ROOT, 'node_modules', '.bin')}:${env.PATH ?? ''}` };
  if (lab.dataDir.source === 'LAB_DATA_DIR') out.LAB_DATA_DIR = lab.dataDir.dir;
  return out;
}

/** The one line printed when a signal stops the job (a pure function of the job state). */
export function stopLine(signal: string, state: Pick<JobState, 'started' | 'finished' | 'current' | 'pending'>, out: string, now = Date.now()): string {
  const done = state.finished.map((o) => `${o.name} ${o.ok ? 'ok' : 'FAILED'}`);
  const parts = [`stopped by ${signal} after ${formatDuration(now - state.started)}`,
    `finished ${state.finished.length} notebook${state.finished.length === 1 ? '' : 's'}${done.length > 0 ? ` (${done.join(', ')})` : ''}`];
  if (state.current) parts.push(`interrupted ${state.current} (no report written for it)`);
  if (state.pending.length > 0) parts.push(`not started: ${state.pending.join(', ')}`);
  parts.push(`reports in ${out}`);
  return parts.join('; ');
}

/** Remove temporary files of dead writers in the reports folder and its image folders. */
function removeReportTemps(out: string): void {
  if (!fs.existsSync(out)) return;
  removeDeadTemps(out);
  for (const f of fs.readdirSync(out)) {
    const p = path.join(out, f);
    if (fs.statSync(p).isDirectory()) removeDeadTemps(p);
  }
}

function killGroup(child: ChildProcess | null, sig: NodeJS.Signals): void {
  if (!child || child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, sig);
  } catch {
    try {
      child.kill(sig);
    } catch {
      // already gone
    }
  }
}

function within<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  return Promise.race([p, new Promise<undefined>((r) => setTimeout(() => r(undefined), ms).unref())]);
}

/** Stop everything on SIGINT, SIGTERM and SIGHUP (see the file comment). */
export function installStopHandlers(out: string): void {
  const onSignal = async (sig: NodeJS.Signals) => {
    const code = 128 + (os.constants.signals[sig] ?? 15);
    if (job.stopping) {
      killGroup(job.python, 'SIGKILL');
      process.exit(code);
    }
    job.stopping = sig;
    const python = job.python;
    if (python) {
      const exited = new Promise((r) => python.once('close', r));
      killGroup(python, 'SIGTERM');
      if ((await within(exited, 8000)) === undefined) {
        killGroup(python, 'SIGKILL');
        await within(exited, 2000);
      }
    }
    if (job.renderer) await within(job.renderer.then((r) => r.close(), () => undefined), 5000);
    removeReportTemps(out);
    console.error(`\n${stopLine(sig, job, out)}`);
    process.exit(code);
  };
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as NodeJS.Signals[]) process.on(sig, (s) => void onSignal(s as NodeJS.Signals));
}

/**
 * Execute one notebook, render its chart images, put the fallbacks and the report stamp
 * into the executed notebook, trust it, and export it to HTML.
 * @param chromium the Chromium binary (from chromiumPath())
 */
export async function runNotebook(python: string, nb: string, opts: MainOptions, chromium: string): Promise<NotebookOutcome> {
  const name = path.basename(nb, '.ipynb');
  const executed = path.join(opts.out, `${name}.ipynb`);
  const t0 = Date.now();
  const problems: string[] = [];
  console.log(`\n=== ${name} (scale: ${opts.scale}) ===`);
  // Chromium starts and loads plotly.js (about 3 s) while the notebook runs.
  const renderer = ChartRenderer.open(chromium);
  renderer.catch(() => undefined);
  job.renderer = renderer;
  let ok = false;
  let imageSeconds = 0;
  let executedAt = new Date();
  try {
    const env = childEnv(process.env, opts.scale);
    ok = (await runPython(python, ['execute', nb, executed], env)) === 0;
    executedAt = new Date();
    const seconds = (executedAt.getTime() - t0) / 1000;
    if (!fs.existsSync(executed)) {
      problems.push(`no executed notebook was written to ${executed}`);
    } else {
      const tImages = Date.now();
      let notebook = readNotebook(executed);
      try {
        const r = await renderNotebookCharts(await renderer, notebook, path.join(opts.out, name), name);
        notebook = r.notebook;
        console.log(`[${name}] images: ${r.charts.length} chart${r.charts.length === 1 ? '' : 's'} in ${formatDuration(Date.now() - tImages)} -> ${path.join(opts.out, name)}${path.sep}`);
      } catch (e) {
        problems.push(`chart images failed: ${(e as Error).message}`);
        console.error(`[${name}] chart images failed: ${(e as Error).message}`);
      }
      writeNotebook(executed, withReportStamp(notebook, { executed: executedAt.toISOString(), scale: opts.scale, seconds, ok }));
      imageSeconds = (Date.now() - tImages) / 1000;
    }
  } finally {
    if (!job.stopping) {
      job.renderer = null;
      await renderer.then((r) => r.close(), () => undefined);
    }
  }
  if (fs.existsSync(executed)) {
    const trust = await runPython(python, ['trust', executed], process.env);
    if (trust !== 0) problems.push('the executed notebook is not valid nbformat (see above)');
    const meta = reportMetaHtml(name, { executed: executedAt.toISOString(), scale: opts.scale, seconds: 0, ok });
    const html = await runPython(python, ['html', executed, path.join(opts.out, `${name}.html`),
      '--katex', path.join(ROOT, 'node_modules', 'katex'), '--meta', meta], process.env);
    if (html !== 0) problems.push('HTML export failed (see above)');
  }
  for (const p of problems) console.error(`${name}: ${p}`);
  return { name, ok: ok && problems.length === 0, seconds: (Date.now() - t0) / 1000, imageSeconds, problems };
}

export async function main(argv: string[]): Promise<number> {
  const opts = parseArgs(argv);
  labEnv(); // every LAB_ variable, checked before any notebook runs
  const python = findPython();
  const chromium = chromiumPath();
  const notebooks = listNotebooks(opts.only, opts.dir);
  if (notebooks.length === 0) {
    console.error(`no notebooks matched in ${opts.dir}`);
    return 1;
  }
  fs.mkdirSync(opts.out, { recursive: true });
  removeReportTemps(opts.out);
  installStopHandlers(opts.out);
  const t0 = Date.now();
  const outcomes: NotebookOutcome[] = job.finished;
  job.pending = notebooks.map((nb) => path.basename(nb, '.ipynb'));
  for (const nb of notebooks) {
    job.current = job.pending.shift() ?? null;
    outcomes.push(await runNotebook(python, nb, opts, chromium));
    job.current = null;
  }
  const reports = writeIndex(opts.out);
  console.log(`\n[index] ${reports.length} report${reports.length === 1 ? '' : 's'} -> ${path.join(opts.out, 'index.html')}`);
  console.log(`${outcomes.filter((o) => o.ok).length}/${outcomes.length} notebooks ran in ${formatDuration(Date.now() - t0)}; reports in ${opts.out}`);
  for (const o of outcomes) console.log(`  ${o.ok ? 'ok    ' : 'FAILED'} ${o.name} (${o.seconds.toFixed(1)}s, images ${o.imageSeconds.toFixed(1)}s)`);
  const failed = outcomes.filter((o) => !o.ok);
  if (failed.length > 0) {
    console.error(`\nFAILED notebooks: ${failed.map((f) => `${path.join(opts.dir, `${f.name}.ipynb`)}${f.problems.length > 0 ? ` (${f.problems.join('; ')})` : ''}`).join(', ')} (a failing cell is named above)`);
    return 1;
  }
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      console.error((e as Error).message);
      process.exitCode = 1;
    },
  );
}
