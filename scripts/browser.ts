/**
 * Headless Chromium for the reports: Debian's `chromium`, driven by playwright-core.
 *
 * Never a downloaded browser: playwright-core has no browser of its own and we always
 * pass `executablePath`. The chart images (scripts/images.ts) and the browser test
 * (test/notebooks.test.ts) both start Chromium here.
 *
 * Profile: Playwright's `launch()` starts every browser with a fresh temporary
 * `--user-data-dir` (a new `mkdtemp` folder under the system temp folder, removed when the
 * browser closes); it refuses a `--user-data-dir` argument of ours, so we rely on that.
 */
import * as fs from 'fs';
import { chromium, Browser } from 'playwright-core';

/** Where Debian's package puts Chromium (`apt-get install -y chromium`). */
export const DEFAULT_CHROMIUM = '/usr/bin/chromium';

/**
 * Command-line switches on top of Playwright's own: no GPU (software rendering is enough
 * and works on any machine), and no background traffic to Google (updates, sync, first-run
 * pages), so a report check sees only the requests the report itself makes.
 */
export const CHROMIUM_ARGS: readonly string[] = [
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

const INSTALL_HINT = 'run "npm run setup" (as root on Debian it installs Chromium) or "apt-get install -y chromium", or set CHROMIUM_PATH to a Chromium binary';

/**
 * The Chromium binary: CHROMIUM_PATH if set, else /usr/bin/chromium.
 * Throws, saying how to install it, when that file is not an executable.
 */
export function chromiumPath(env: Record<string, string | undefined> = process.env): string {
  const fromEnv = env.CHROMIUM_PATH;
  const file = fromEnv !== undefined && fromEnv !== '' ? fromEnv : DEFAULT_CHROMIUM;
  const source = file === fromEnv ? 'CHROMIUM_PATH' : 'the default path';
  try {
    fs.accessSync(file, fs.constants.X_OK);
    if (!fs.statSync(file).isFile()) throw new Error('not a file');
  } catch {
    throw new Error(`Chromium not found: ${file} (${source}) is not an executable file; ${INSTALL_HINT}`);
  }
  return file;
}

/** Whether we run as root (Chromium's sandbox refuses to start as root). */
function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/**
 * Launch headless Chromium.
 * @param executablePath the binary (default: `chromiumPath()`)
 * Sandbox: on, except as root, where Chromium cannot sandbox and needs --no-sandbox.
 */
export async function launchChromium(executablePath: string = chromiumPath()): Promise<Browser> {
  chromiumPath({ CHROMIUM_PATH: executablePath });
  try {
    return await chromium.launch({
      executablePath,
      headless: true,
      args: [...CHROMIUM_ARGS],
      // Playwright adds --no-sandbox unless chromiumSandbox is true.
      chromiumSandbox: !isRoot(),
      timeout: 60_000,
      // Playwright would close the browser on these signals by itself and let the caller
      // carry on with a dead browser; the main job stops everything on them instead.
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
    });
  } catch (e) {
    const first = String((e as Error).message).split('\n').filter((l) => !l.startsWith('<launching>')).slice(0, 6).map((l) => l.slice(0, 300)).join('\n');
    throw new Error(`Chromium at ${executablePath} did not start headless: ${first}\n(${INSTALL_HINT})`);
  }
}
