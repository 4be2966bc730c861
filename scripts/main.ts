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
 * Exits non-zero when a notebook fails, naming the notebook and the cell.
 */
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { formatDuration } from '../lib/core/progress';
import { scale as envScale, Scale, SCALES } from '../lib/core/scale';
import { chromiumPath } from './browser';
import { ChartRenderer, renderNotebookCharts } from './images';
import { readNotebook, writeNotebook } from './ipynb';
import { withReportStamp, writeIndex } from './report';

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

/** The Python of this checkout's Jupyter environment (made by scripts/setup.sh). */
export const VENV_PYTHON = path.join(ROOT, '.venv', 'bin', 'python');

/**
 * The Python that runs the executor: this checkout's .venv, which has nbclient and
 * nbconvert (pinned, from pip; or Debian's, in the fallback) and this checkout's tslab
 * kernel spec. Checked without importing them (that costs seconds).
 */
export function findPython(python = VENV_PYTHON): string {
  const r = spawnSync(python, ['-c', 'import importlib.util as u, sys; sys.exit(not all(u.find_spec(m) for m in ("nbclient", "nbconvert")))'], { stdio: 'ignore' });
  if (r.status === 0) return python;
  const why = r.error ? `${python} does not run (${(r.error as NodeJS.ErrnoException).code ?? r.error.message})` : `${python} has no nbclient and nbconvert`;
  throw new Error(`no Jupyter environment: ${why}; run "npm run setup" (it makes .venv with JupyterLab, nbclient and nbconvert)`);
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

/** Run notebooks.py with the terminal attached; resolves with its exit code. */
function runPython(python: string, args: string[], env: NodeJS.ProcessEnv): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, [path.join(ROOT, 'scripts', 'notebooks.py'), ...args], { stdio: 'inherit', env });
    child.on('error', (e) => reject(new Error(`${python} ${args[0]}: could not start (${e.message})`)));
    child.on('close', (code) => resolve(code));
  });
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
  let ok = false;
  let imageSeconds = 0;
  let executedAt = new Date();
  try {
    const env = { ...process.env, LAB_SCALE: opts.scale, PATH: `${path.join(ROOT, 'node_modules', '.bin')}:${process.env.PATH ?? ''}` };
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
    await renderer.then((r) => r.close(), () => undefined);
  }
  if (fs.existsSync(executed)) {
    const trust = spawnSync(python, [path.join(ROOT, 'scripts', 'notebooks.py'), 'trust', executed], { stdio: 'inherit' });
    if (trust.status !== 0) problems.push('the executed notebook is not valid nbformat (see above)');
    const meta = `<div class="metarl-report-meta">metarl-lab report: ${name}, executed ${executedAt.toISOString()} at scale "${opts.scale}"${ok ? '' : ' (FAILED: see the failing cell)'}</div>`;
    const html = spawnSync(python, [path.join(ROOT, 'scripts', 'notebooks.py'), 'html', executed, path.join(opts.out, `${name}.html`),
      '--katex', path.join(ROOT, 'node_modules', 'katex'), '--meta', meta], { stdio: 'inherit' });
    if (html.status !== 0) problems.push('HTML export failed (see above)');
  }
  for (const p of problems) console.error(`${name}: ${p}`);
  return { name, ok: ok && problems.length === 0, seconds: (Date.now() - t0) / 1000, imageSeconds, problems };
}

export async function main(argv: string[]): Promise<number> {
  const opts = parseArgs(argv);
  const python = findPython();
  const chromium = chromiumPath();
  const notebooks = listNotebooks(opts.only, opts.dir);
  if (notebooks.length === 0) {
    console.error(`no notebooks matched in ${opts.dir}`);
    return 1;
  }
  fs.mkdirSync(opts.out, { recursive: true });
  const t0 = Date.now();
  const outcomes: NotebookOutcome[] = [];
  for (const nb of notebooks) outcomes.push(await runNotebook(python, nb, opts, chromium));
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
