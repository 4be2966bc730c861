/**
 * @notebooks: the checkout's Jupyter environment (.venv, made by scripts/setup.sh): its
 * pinned versions, its own tslab kernel spec (one per checkout, never user-wide or
 * machine-wide), its own trust database, and notebooks saved from it staying portable.
 */
import * as assert from 'assert';
import { spawnSync, SpawnSyncOptions } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { VENV_PYTHON } from '../scripts/main';

const ROOT = path.join(__dirname, '..', '..');
const VENV = path.join(ROOT, '.venv');

/** Run Python code; its stdout parsed as JSON. Throws with stderr when it fails. */
function py(python: string, code: string, env: NodeJS.ProcessEnv = process.env, args: string[] = []): any {
  const r = spawnSync(python, ['-c', code, ...args], { encoding: 'utf8', env } as SpawnSyncOptions);
  if (r.status !== 0) throw new Error(`${python} failed (${r.status}):\n${r.stderr}`);
  return JSON.parse(String(r.stdout));
}

/** The tslab kernel spec that a Python's Jupyter resolves: where it lives and what it runs. */
const RESOLVE_TSLAB = `
import json
from jupyter_client.kernelspec import KernelSpecManager
s = KernelSpecManager().get_kernel_spec("tslab")
print(json.dumps({"dir": s.resource_dir, "argv0": s.argv[0], "display": s.display_name}))`;

/** An environment whose user-wide Jupyter folders are under `home` (nothing of the real user's). */
function isolatedHome(home: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, ...extra };
  for (const k of ['JUPYTER_DATA_DIR', 'JUPYTER_CONFIG_DIR', 'JUPYTER_PATH', 'JUPYTER_PREFER_ENV_PATH', 'XDG_DATA_HOME', 'LAB_TRUST_DIR']) {
    if (!(k in extra)) delete env[k];
  }
  return env;
}

function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath ?? (e as any).path, e.name));
}

describe('the Jupyter environment of this checkout @notebooks', function () {
  this.timeout(3 * 60 * 1000);

  it('has every version pinned in scripts/jupyter-requirements.txt', () => {
    const pins = fs.readFileSync(path.join(ROOT, 'scripts', 'jupyter-requirements.txt'), 'utf8').split('\n')
      .map((l) => l.replace(/#.*/, '').trim()).filter(Boolean).map((l) => l.split('=='));
    assert.ok(pins.length >= 3 && pins.every((p) => p.length === 2), 'name==version lines');
    const fallback = fs.existsSync(path.join(VENV, 'metarl-debian-fallback'));
    const installed = py(VENV_PYTHON, `
import json, sys
from importlib.metadata import version, PackageNotFoundError
def v(n):
    try:
        return version(n)
    except PackageNotFoundError:
        return None
print(json.dumps({n: v(n) for n in sys.argv[1:]}))`, process.env, pins.map((p) => p[0]));
    if (fallback) {
      console.log('      (Debian fallback: only the executor is checked)');
      assert.ok(installed.nbclient && installed.nbconvert, 'nbclient and nbconvert from Debian');
    } else {
      assert.deepStrictEqual(installed, Object.fromEntries(pins));
    }
  });

  it("resolves kernel tslab to this checkout's spec inside .venv, before a user-wide tslab", () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'metarl-home-'));
    // A user-wide tslab (as an old setup wrote with --user) pointing at another checkout.
    const userSpec = path.join(home, '.local', 'share', 'jupyter', 'kernels', 'tslab');
    fs.mkdirSync(userSpec, { recursive: true });
    fs.writeFileSync(path.join(userSpec, 'kernel.json'), JSON.stringify({ argv: ['/elsewhere/tslab', 'kernel', '--config-path', '{connection_file}'], display_name: 'TypeScript', language: 'typescript' }));
    const expected = {
      dir: path.join(VENV, 'share', 'jupyter', 'kernels', 'tslab'),
      argv0: path.join(ROOT, 'node_modules', '.bin', 'tslab'),
      display: `TypeScript (metarl-lab at ${ROOT})`,
    };
    // As our launchers run Jupyter (JUPYTER_PREFER_ENV_PATH=1), and as a user running
    // .venv/bin/jupyter by hand does (jupyter_core prefers a venv's own folders).
    assert.deepStrictEqual(py(VENV_PYTHON, RESOLVE_TSLAB, isolatedHome(home, { JUPYTER_PREFER_ENV_PATH: '1' })), expected);
    if (!fs.existsSync(path.join(VENV, 'metarl-debian-fallback'))) assert.deepStrictEqual(py(VENV_PYTHON, RESOLVE_TSLAB, isolatedHome(home)), expected);
    fs.rmSync(home, { recursive: true, force: true });
  });

  it("a second clone's setup installs its own kernel spec into its own environment and leaves this one's alone", () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'metarl-clone2-'));
    const home = path.join(tmp, 'home');
    fs.mkdirSync(home);
    const clone = path.join(tmp, 'metarl-lab');
    fs.mkdirSync(path.join(clone, 'node_modules', '.bin'), { recursive: true });
    fs.symlinkSync(path.join(ROOT, 'node_modules', '.bin', 'tslab'), path.join(clone, 'node_modules', '.bin', 'tslab'));
    // The clone's Jupyter environment: a venv of the same Python that sees this checkout's
    // packages through a .pth file (instead of a second pip install), with its own prefix.
    const env = isolatedHome(home);
    const fallback = fs.existsSync(path.join(VENV, 'metarl-debian-fallback')) ? ['--system-site-packages'] : [];
    assert.strictEqual(spawnSync(VENV_PYTHON, ['-m', 'venv', '--without-pip', ...fallback, path.join(clone, '.venv')], { env }).status, 0, 'venv of the clone');
    const clonePython = path.join(clone, '.venv', 'bin', 'python');
    const purelib = (python: string) => py(python, 'import json, sysconfig; print(json.dumps(sysconfig.get_paths()["purelib"]))', env);
    fs.writeFileSync(path.join(purelib(clonePython), 'metarl-test-checkout.pth'), `${purelib(VENV_PYTHON)}\n`);
    const ours = path.join(VENV, 'share', 'jupyter', 'kernels', 'tslab', 'kernel.json');
    const before = fs.readFileSync(ours, 'utf8');
    const systemDirs = py(VENV_PYTHON, 'import json; from jupyter_core.paths import SYSTEM_JUPYTER_PATH; print(json.dumps(SYSTEM_JUPYTER_PATH))', env) as string[];
    const systemBefore = systemDirs.flatMap((d) => filesUnder(path.join(d, 'kernels')).map((f) => `${f} ${fs.statSync(f).mtimeMs}`));

    const r = spawnSync(clonePython, [path.join(ROOT, 'scripts', 'install_kernel.py'), clone], { encoding: 'utf8', env });
    assert.strictEqual(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`kernel spec tslab in .*: TypeScript \\(metarl-lab at ${clone.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\)`));

    assert.strictEqual(fs.readFileSync(ours, 'utf8'), before, "this checkout's kernel.json is unchanged");
    assert.deepStrictEqual(py(clonePython, RESOLVE_TSLAB, { ...env, JUPYTER_PREFER_ENV_PATH: '1' }), {
      dir: path.join(clone, '.venv', 'share', 'jupyter', 'kernels', 'tslab'),
      argv0: path.join(clone, 'node_modules', '.bin', 'tslab'),
      display: `TypeScript (metarl-lab at ${clone})`,
    }, "the clone's Jupyter runs the clone's tslab");
    assert.deepStrictEqual(py(VENV_PYTHON, RESOLVE_TSLAB, { ...env, JUPYTER_PREFER_ENV_PATH: '1' }).argv0, path.join(ROOT, 'node_modules', '.bin', 'tslab'),
      "this checkout's Jupyter still runs this checkout's tslab");
    assert.deepStrictEqual(filesUnder(path.join(home, '.local')), [], 'nothing written to the user-wide Jupyter folders');
    assert.deepStrictEqual(systemDirs.flatMap((d) => filesUnder(path.join(d, 'kernels')).map((f) => `${f} ${fs.statSync(f).mtimeMs}`)), systemBefore,
      'nothing written to the machine-wide kernel folders');
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("signs executed notebooks in the checkout's trust database (or LAB_TRUST_DIR), never the user's, and the server config reads the same one", () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'metarl-trust-'));
    const home = path.join(tmp, 'home');
    fs.mkdirSync(home);
    const nb = path.join(tmp, 'signed.ipynb');
    fs.writeFileSync(nb, JSON.stringify({
      cells: [{ cell_type: 'code', id: 'a', metadata: {}, execution_count: 1, outputs: [{ output_type: 'display_data', metadata: {}, data: { 'text/html': ['<b>x</b>'] } }], source: ['x'] }],
      metadata: {}, nbformat: 4, nbformat_minor: 5,
    }));
    const trustDir = path.join(tmp, 'trust');
    /** Whether a notary over `dir` (the way the server's config sets it up) trusts the notebook. */
    const trustedIn = (dir: string) => py(VENV_PYTHON, `
import json, os, sys
sys.modules["rfc3987_syntax"] = None  # as in scripts/notebooks.py: seconds of CPU we do not need
import nbformat
from nbformat.sign import NotebookNotary
d = sys.argv[1]
if not os.path.exists(os.path.join(d, "notebook_secret")):
    print("false"); sys.exit(0)
n = NotebookNotary(db_file=os.path.join(d, "nbsignatures.db"), secret_file=os.path.join(d, "notebook_secret"))
print(json.dumps(n.check_signature(nbformat.read(sys.argv[2], as_version=4))))`, isolatedHome(home), [dir, nb]);

    // A run's own database (the tests', through LAB_TRUST_DIR).
    const r = spawnSync(VENV_PYTHON, [path.join(ROOT, 'scripts', 'notebooks.py'), 'trust', nb], { encoding: 'utf8', env: isolatedHome(home, { LAB_TRUST_DIR: trustDir }) });
    assert.strictEqual(r.status, 0, r.stderr);
    assert.ok(r.stdout.includes(path.join(trustDir, 'nbsignatures.db')), r.stdout);
    assert.strictEqual(trustedIn(trustDir), true, 'signed in LAB_TRUST_DIR');

    // The checkout's database by default, which the server config in .venv names too.
    const r2 = spawnSync(VENV_PYTHON, [path.join(ROOT, 'scripts', 'notebooks.py'), 'trust', nb], { encoding: 'utf8', env: isolatedHome(home) });
    assert.strictEqual(r2.status, 0, r2.stderr);
    const projectDir = path.join(VENV, 'share', 'jupyter', 'trust');
    assert.ok(r2.stdout.includes(path.join(projectDir, 'nbsignatures.db')), r2.stdout);
    assert.strictEqual(trustedIn(projectDir), true, "signed in the checkout's database");
    const config = py(VENV_PYTHON, `
import json, os, sys
from traitlets.config.loader import PyFileConfigLoader
c = PyFileConfigLoader("jupyter_server_config.py", path=os.path.join(sys.prefix, "etc", "jupyter")).load_config()
print(json.dumps({"db": c.NotebookNotary.db_file, "secret": c.NotebookNotary.secret_file}))`, isolatedHome(home));
    assert.deepStrictEqual(config, { db: path.join(projectDir, 'nbsignatures.db'), secret: path.join(projectDir, 'notebook_secret') },
      "JupyterLab from .venv reads the database the job signs in");

    assert.deepStrictEqual(filesUnder(home), [], "nothing written to the user's Jupyter folders (no global nbsignatures.db or notebook_secret)");
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("saving a notebook from this checkout's Jupyter keeps its kernel display name portable", () => {
    const saved = py(VENV_PYTHON, `
import json, os, sys
from traitlets.config.loader import PyFileConfigLoader
c = PyFileConfigLoader("jupyter_server_config.py", path=os.path.join(sys.prefix, "etc", "jupyter")).load_config()
hook = c.ContentsManager.pre_save_hook
out = []
for spec in [{"name": "tslab", "display_name": "TypeScript (metarl-lab at /some/checkout)", "language": "typescript"},
             {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}]:
    model = {"type": "notebook", "content": {"metadata": {"kernelspec": dict(spec)}, "cells": []}}
    hook(model=model, path="x.ipynb", contents_manager=None)
    out.append(model["content"]["metadata"]["kernelspec"]["display_name"])
hook(model={"type": "file", "content": "text"}, path="x.txt", contents_manager=None)
print(json.dumps(out))`);
    assert.deepStrictEqual(saved, ['TypeScript', 'Python 3 (ipykernel)']);
  });
});
