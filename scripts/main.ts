/**
 * The main job: execute every notebook in notebooks/ headlessly through Jupyter's own
 * executor (nbclient) with the tslab kernel, then write for each notebook
 *   reports/<name>.ipynb   the executed notebook
 *   reports/<name>.html    a self-contained offline HTML export
 * plus reports/index.html listing them.
 *
 * Usage: node dist/scripts/main.js [--scale paper|quick] [--out DIR] [--only NAME ...] [--dir DIR]
 *   --scale  run size passed to the notebooks as LAB_SCALE (default: LAB_SCALE or "paper")
 *   --out    reports folder (default: reports/)
 *   --only   run only notebooks whose file name contains NAME
 *   --dir    folder of notebooks (default: notebooks/)
 * Exits non-zero when a notebook fails, naming the notebook and the cell.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { formatDuration } from '../lib/progress';
import { scale as envScale, Scale, SCALES } from '../lib/scale';
import { writeIndex, ReportEntry } from './report';

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
  seconds: number;
}

/** Execute one notebook and export it; returns whether every cell ran. */
export function runNotebook(python: string, nb: string, opts: MainOptions): NotebookOutcome {
  const name = path.basename(nb, '.ipynb');
  const executed = path.join(opts.out, `${name}.ipynb`);
  const t0 = Date.now();
  console.log(`\n=== ${name} (scale: ${opts.scale}) ===`);
  const env = { ...process.env, LAB_SCALE: opts.scale, PATH: `${path.join(ROOT, 'node_modules', '.bin')}:${process.env.PATH ?? ''}` };
  const ex = spawnSync(python, [path.join(ROOT, 'scripts', 'notebooks.py'), 'execute', nb, executed], { stdio: 'inherit', env });
  const ok = ex.status === 0;
  const meta = `<div class="metarl-report-meta">metarl-lab report: ${name}, executed ${new Date().toISOString()} at scale "${opts.scale}"${ok ? '' : ' (FAILED: see the failing cell)'}</div>`;
  const html = spawnSync(python, [path.join(ROOT, 'scripts', 'notebooks.py'), 'html', executed, path.join(opts.out, `${name}.html`),
    '--katex', path.join(ROOT, 'node_modules', 'katex'), '--meta', meta], { stdio: 'inherit' });
  if (html.status !== 0) console.error(`${name}: HTML export failed`);
  return { name, ok: ok && html.status === 0, seconds: (Date.now() - t0) / 1000 };
}

export function main(argv: string[]): number {
  const opts = parseArgs(argv);
  const python = findPython();
  const notebooks = listNotebooks(opts.only, opts.dir);
  if (notebooks.length === 0) {
    console.error(`no notebooks matched in ${opts.dir}`);
    return 1;
  }
  fs.mkdirSync(opts.out, { recursive: true });
  const t0 = Date.now();
  const outcomes = notebooks.map((nb) => runNotebook(python, nb, opts));
  const entries: ReportEntry[] = outcomes.map((o) => ({ name: o.name, ok: o.ok, seconds: o.seconds }));
  writeIndex(opts.out, entries, opts.scale);
  console.log(`\n${outcomes.filter((o) => o.ok).length}/${outcomes.length} notebooks ran in ${formatDuration(Date.now() - t0)}; reports in ${opts.out}`);
  for (const o of outcomes) console.log(`  ${o.ok ? 'ok    ' : 'FAILED'} ${o.name} (${o.seconds.toFixed(1)}s)`);
  const failed = outcomes.filter((o) => !o.ok);
  if (failed.length > 0) {
    console.error(`\nFAILED notebooks: ${failed.map((f) => path.join(opts.dir, `${f.name}.ipynb`)).join(', ')} (the failing cell is named above)`);
    return 1;
  }
  return 0;
}

if (require.main === module) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (e) {
    console.error((e as Error).message);
    process.exitCode = 1;
  }
}
