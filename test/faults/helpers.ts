/**
 * Shared pieces of the fault-injection suite: child runs, folder snapshots, and the check
 * that a results folder holds nothing but finished results.
 */
import * as assert from 'assert';
import { ChildProcess, spawn } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export function tmpDir(prefix = 'metarl-faults-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export const CHILD = path.join(__dirname, '..', 'fixtures', 'run-child.js');

export interface ChildRun {
  child: ChildProcess;
  /** Everything printed so far. */
  out: () => string;
  /** Resolves when the child exits. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves when the output contains `text`. */
  waitFor: (text: string | RegExp, timeoutMs?: number) => Promise<void>;
}

/** Start `run-child.js` with a request (see that file). */
export function startChild(req: object, env: NodeJS.ProcessEnv = {}, cwd?: string): ChildRun {
  const child = spawn(process.execPath, [CHILD, JSON.stringify(req)], { env: { ...process.env, ...env }, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  const waiters: { test: (s: string) => boolean; resolve: () => void }[] = [];
  const onData = (d: Buffer) => {
    text += d.toString();
    for (const w of waiters.slice()) {
      if (w.test(text)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return {
    child,
    out: () => text,
    exited,
    waitFor: (pattern, timeoutMs = 60_000) => new Promise<void>((resolve, reject) => {
      const test = (s: string) => (typeof pattern === 'string' ? s.includes(pattern) : pattern.test(s));
      if (test(text)) return resolve();
      const timer = setTimeout(() => reject(new Error(`child did not print ${String(pattern)} within ${timeoutMs} ms; output:\n${text}`)), timeoutMs);
      const w = { test, resolve: () => { clearTimeout(timer); resolve(); } };
      waiters.push(w);
      exited.then(() => {
        if (waiters.includes(w)) {
          clearTimeout(timer);
          waiters.splice(waiters.indexOf(w), 1);
          if (test(text)) resolve();
          else reject(new Error(`child exited before printing ${String(pattern)}; output:\n${text}`));
        }
      });
    }),
  };
}

/** Run a child to the end; returns its output, exit code and parsed "result" line. */
export async function runChild(req: object, env: NodeJS.ProcessEnv = {}, cwd?: string): Promise<{ code: number | null; out: string; result: { computed: number[]; cached: number[]; digest: string; hash: string } | null }> {
  const c = startChild(req, env, cwd);
  const { code } = await c.exited;
  const m = /^result (.*)$/m.exec(c.out());
  return { code, out: c.out(), result: m ? JSON.parse(m[1]) : null };
}

/** Every file under `dir` (recursive) with inode, mtime, size and content hash. */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of fs.readdirSync(d)) {
      const p = path.join(d, name);
      const st = fs.statSync(p);
      if (st.isDirectory()) walk(p);
      else out[path.relative(dir, p)] = `${st.ino}:${st.mtimeMs}:${st.size}:${createHash('sha256').update(fs.readFileSync(p)).digest('hex').slice(0, 12)}`;
    }
  };
  walk(dir);
  return out;
}

const TIDY = /^(config\.json|results\.json|results\.[A-Za-z0-9_-]+\.csv|seed-\d+\.json|seed-\d+\.[A-Za-z0-9_-]+\.csv)$/;

/** Assert that a results folder holds only finished results: no temporary files, no lock, nothing else. */
export function assertTidy(dir: string): void {
  const stray = fs.readdirSync(dir).filter((f) => !TIDY.test(f));
  assert.deepStrictEqual(stray, [], `stray files in ${dir}`);
}

/** The one subfolder of data/<experiment>/ (the run's folder). */
export function runFolder(dataDir: string, experiment: string): string {
  const dirs = fs.readdirSync(path.join(dataDir, experiment));
  assert.strictEqual(dirs.length, 1, `one run folder under ${experiment}, found ${dirs.join(', ')}`);
  return path.join(dataDir, experiment, dirs[0]);
}

/** Seeds listed in a log file, one per line, in order. */
export function logged(file: string): number[] {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map(Number) : [];
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
