/**
 * The main job at the quick scale, run once per test process and shared by the tests
 * that need executed notebooks (test/notebooks.test.ts checks the HTML reports,
 * test/jupyterlab.test.ts opens the executed notebooks in JupyterLab), so no notebook is
 * executed twice.
 *
 * Everything lives in one temporary folder:
 *   reports/  the job's output (executed notebooks, HTML, images, index)
 *   data/     LAB_DATA_DIR of the run (the cached results)
 *   trust/    LAB_TRUST_DIR: the signature database the job signs the executed notebooks
 *             in, which the JupyterLab test's server reads too
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.join(__dirname, '..', '..');

export interface QuickReportDirs {
  base: string;
  out: string;
  dataDir: string;
  trustDir: string;
}

let dirs: QuickReportDirs | null = null;
let status: number | null | undefined;

/** The folders of the shared run (made on first call; nothing runs yet). */
export function quickReportDirs(): QuickReportDirs {
  if (dirs === null) {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), 'metarl-quick-'));
    dirs = { base, out: path.join(base, 'reports'), dataDir: path.join(base, 'data'), trustDir: path.join(base, 'trust') };
    for (const d of [dirs.out, dirs.dataDir, dirs.trustDir]) fs.mkdirSync(d);
  }
  return dirs;
}

/** The environment of the shared run: its data folder and trust database. */
export function quickReportEnv(): NodeJS.ProcessEnv {
  const d = quickReportDirs();
  return { ...process.env, LAB_DATA_DIR: d.dataDir, LAB_TRUST_DIR: d.trustDir };
}

/** Run the main job at the quick scale into quickReportDirs().out, once; its exit status. */
export function runQuickReports(): number | null {
  if (status === undefined) {
    const d = quickReportDirs();
    const r = spawnSync(process.execPath, [path.join(ROOT, 'dist', 'scripts', 'main.js'), '--scale', 'quick', '--out', d.out], {
      stdio: 'inherit',
      env: quickReportEnv(),
    });
    status = r.status;
  }
  return status;
}
