/**
 * A JupyterLab server from this checkout's .venv for the browser tests: loopback only, a
 * free port, a random token, and its own temporary config, data, runtime, settings and
 * workspace folders (nothing of the user's Jupyter is read or written). Kernel specs come
 * from .venv first (JUPYTER_PREFER_ENV_PATH=1), so `tslab` is this checkout's kernel.
 */
import { ChildProcess, spawn, spawnSync } from 'child_process';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { VENV_PYTHON } from '../scripts/main';

const ROOT = path.join(__dirname, '..', '..');

/** Whether this checkout's .venv has JupyterLab (not so in the Debian fallback). */
export function hasJupyterLab(python = VENV_PYTHON): boolean {
  const r = spawnSync(python, ['-c', 'import importlib.util as u, sys; sys.exit(u.find_spec("jupyterlab") is None)'], { stdio: 'ignore' });
  return r.status === 0;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

export interface LabServer {
  /** http://127.0.0.1:PORT (no trailing slash). */
  base: string;
  token: string;
  /** base + path with the token as query parameter. */
  url(p: string): string;
  /** A REST call with the token; the parsed JSON body (or null). */
  api(method: string, p: string, body?: unknown): Promise<{ status: number; body: any }>;
  /** Everything the server printed so far. */
  log(): string;
  /** SIGTERM to the server's process group (the server shuts its kernels down), SIGKILL after 20 s. */
  stop(): Promise<void>;
}

export interface LabOptions {
  /** The server's root folder. */
  root: string;
  /** Environment of the server and so of its kernels (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** User settings, by plugin id, e.g. {'@jupyterlab/notebook-extension:tracker': {windowingMode: 'none'}}. */
  settings?: Record<string, object>;
  /** How long to wait for the server to answer (default 180 s). */
  startTimeoutMs?: number;
}

function request(method: string, url: string, body?: unknown): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = http.request(url, { method, headers: data ? { 'Content-Type': 'application/json', 'Content-Length': data.length } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown = null;
        try {
          parsed = text ? JSON.parse(text) : null;
        } catch {
          parsed = text;
        }
        resolve({ status: res.statusCode ?? 0, body: parsed });
      });
    });
    req.on('error', reject);
    if (data) req.write(data);
    req.end();
  });
}

export async function startJupyterLab(opts: LabOptions): Promise<LabServer> {
  const jdir = fs.mkdtempSync(path.join(os.tmpdir(), 'metarl-jupyter-'));
  const sub = (n: string) => {
    fs.mkdirSync(path.join(jdir, n), { recursive: true });
    return path.join(jdir, n);
  };
  const settingsDir = sub('settings');
  for (const [id, value] of Object.entries(opts.settings ?? {})) {
    const [pkg, plugin] = id.split(':');
    fs.mkdirSync(path.join(settingsDir, pkg), { recursive: true });
    fs.writeFileSync(path.join(settingsDir, pkg, `${plugin}.jupyterlab-settings`), JSON.stringify(value));
  }
  const port = await freePort();
  const token = randomBytes(24).toString('hex');
  const base = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = {
    ...(opts.env ?? process.env),
    JUPYTER_CONFIG_DIR: sub('config'),
    JUPYTER_DATA_DIR: sub('data'),
    JUPYTER_RUNTIME_DIR: sub('runtime'),
    JUPYTERLAB_SETTINGS_DIR: settingsDir,
    JUPYTERLAB_WORKSPACES_DIR: sub('workspaces'),
    JUPYTER_PREFER_ENV_PATH: '1',
    PATH: `${path.join(ROOT, 'node_modules', '.bin')}:${process.env.PATH ?? ''}`,
  };
  const args = ['-m', 'jupyterlab', '--no-browser', '--ip=127.0.0.1', `--port=${port}`, '--port-retries=0',
    `--ServerApp.root_dir=${opts.root}`, `--IdentityProvider.token=${token}`,
    // Nothing from the internet: no news feed, no update check.
    '--LabApp.news_url=None', '--LabApp.check_for_updates_class=jupyterlab.handlers.announcements.NeverCheckForUpdate',
    // window.jupyterapp, so the test can run JupyterLab's own commands.
    '--LabApp.expose_app_in_browser=True',
    '--MappingKernelManager.default_kernel_name=tslab'];
  if (typeof process.getuid === 'function' && process.getuid() === 0) args.push('--allow-root');
  // Its own process group, so stop() reaches the server and every kernel it started.
  const child: ChildProcess = spawn(VENV_PYTHON, args, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  const keep = (b: Buffer) => {
    output += b.toString('utf8');
    if (output.length > 200_000) output = output.slice(-100_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  // Should the test process end without stop() (a crash, Ctrl-C), take the server along.
  const killOnExit = () => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  process.on('exit', killOnExit);
  let exited: number | null | undefined;
  const exit = new Promise<void>((resolve) => child.on('exit', (code) => {
    exited = code;
    resolve();
  }));

  const server: LabServer = {
    base,
    token,
    url: (p) => `${base}${p}${p.includes('?') ? '&' : '?'}token=${token}`,
    api: (method, p, body) => request(method, server.url(p), body),
    log: () => output,
    async stop() {
      process.removeListener('exit', killOnExit);
      if (exited !== undefined || child.pid === undefined) return;
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        return;
      }
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // already gone
        }
      }, 20_000);
      await exit;
      clearTimeout(timer);
      fs.rmSync(jdir, { recursive: true, force: true });
    },
  };

  const t0 = Date.now();
  const limit = opts.startTimeoutMs ?? 180_000;
  for (;;) {
    if (exited !== undefined) throw new Error(`JupyterLab exited with code ${exited} before answering:\n${output.slice(-3000)}`);
    const r = await server.api('GET', '/api/status').catch(() => ({ status: 0, body: null }));
    if (r.status === 200) break;
    if (Date.now() - t0 > limit) {
      await server.stop();
      throw new Error(`JupyterLab did not answer on ${base} within ${limit / 1000} s:\n${output.slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  return server;
}
