/**
 * The build a unit belongs to: git commit (with a digest of uncommitted changes to
 * tracked files) and the lab's package version. A queue worker computes a unit only when
 * its own build is the coordinator's, so every machine runs the same code.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { sha256 } from '../results';

export interface Build {
  /** `git rev-parse HEAD`, plus "+dirty.<digest of git diff HEAD>" when tracked files changed; "unknown" outside git. */
  commit: string;
  /** "version" of package.json. */
  packageVersion: string;
}

const ROOT = path.join(__dirname, '..', '..', '..', '..');

function git(args: string[]): string {
  return execFileSync('git', args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 1 << 28 }).toString();
}

let cached: Build | null = null;

/** This checkout's build (computed once per process). */
export function currentBuild(): Build {
  if (cached) return cached;
  let commit = 'unknown';
  try {
    commit = git(['rev-parse', 'HEAD']).trim();
    const diff = git(['diff', 'HEAD', '--binary']);
    if (diff.length > 0) commit += `+dirty.${sha256(diff).slice(0, 12)}`;
  } catch {
    // Not a git checkout (a copied folder): every such copy counts as the same build.
  }
  let packageVersion = 'unknown';
  try {
    packageVersion = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version;
  } catch {
    // Left as "unknown".
  }
  cached = { commit, packageVersion };
  return cached;
}

/** "1a2b3c4d5e6f" or "1a2b3c4d5e6f+dirty.0123abcd4567", for log lines. */
export function shortBuild(b: Build): string {
  const [head, dirty] = b.commit.split('+');
  return dirty ? `${head.slice(0, 12)}+${dirty}` : head.slice(0, 12);
}

/** Eight hex digits naming a build, for job ids. */
export function buildTag(b: Build): string {
  return sha256(`${b.commit}\n${b.packageVersion}`).slice(0, 8);
}

/** Why a worker at `mine` must not run a unit built at `unit`, or null when they agree. */
export function buildMismatch(unit: Build, mine: Build): string | null {
  const why: string[] = [];
  if (unit.commit !== mine.commit) why.push(`commit ${unit.commit}, this worker runs ${mine.commit}`);
  if (unit.packageVersion !== mine.packageVersion) why.push(`package version ${unit.packageVersion}, this worker has ${mine.packageVersion}`);
  return why.length === 0 ? null : `the unit was built by ${why.join('; and by ')}`;
}
