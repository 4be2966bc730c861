/**
 * A lock on one results folder (data/<experiment>/<hash>/), held while a run computes
 * and saves units there. It works across processes and, on a shared file system, across
 * machines:
 *
 * - the lock is the file `.lock` in the folder. It is written complete to a temporary
 *   file and then hard-linked to `.lock`; `link` fails when `.lock` exists, so exactly one
 *   process creates it (the same guarantee as O_EXCL, and it also holds on NFS);
 * - it records its holder: host, machine id, pid, process start time, when and what for;
 * - a lock is broken only when its holder is provably dead (core/liveness.ts: same
 *   machine, and that process is gone). A holder on another machine is never presumed
 *   dead: the waiter says who holds the lock and how to remove it by hand;
 * - a waiter polls, printing who it waits for when it starts waiting and then every
 *   30 s. Waiting is the right thing: when the holder finishes, the waiter loads the
 *   units the holder saved instead of computing them again;
 * - the holder checks before every save that `.lock` is still its own (`assertHeld`), so
 *   a lock removed by hand fails loudly instead of letting two writers mix.
 *
 * The lock is released when the run ends (also on errors) and, as a last resort, when the
 * process exits; a process killed with SIGKILL leaves its `.lock`, which the next run
 * breaks because its holder is dead.
 */
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { liveness, ProcessId, tempTag, thisProcess } from '../core/liveness';
import { formatDuration } from '../core/progress';

export const LOCK_FILE = '.lock';

/** What `.lock` holds. */
export interface LockRecord extends ProcessId {
  /** Unique per acquisition. */
  token: string;
  /** ISO time the lock was taken. */
  since: string;
  /** What the holder does, e.g. "fig4-divergence: seeds 0-9". */
  purpose: string;
}

export interface LockOptions {
  /** What the holder does, shown to waiters. */
  purpose: string;
  /** Where waiting messages go. */
  log: (line: string) => void;
  /** Milliseconds between polls (default 200). */
  pollMs?: number;
  /** Milliseconds between repeated "still waiting" lines (default 30 s). */
  remindMs?: number;
  /** Give up after this many milliseconds (default: wait as long as the holder lives). */
  timeoutMs?: number;
}

export interface FolderLock {
  readonly file: string;
  readonly record: LockRecord;
  /** Throws unless `.lock` still holds this lock's token. */
  assertHeld(): void;
  /** Remove `.lock` if it is still ours (idempotent). */
  release(): void;
}

const held = new Set<FolderLock>();
let exitHook = false;

function readRecord(file: string): LockRecord | null | 'unreadable' {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    if (code === 'EISDIR') throw new Error(`${file}: is a folder; the lock must be a file (remove the folder)`);
    return 'unreadable';
  }
  try {
    const r = JSON.parse(text) as LockRecord;
    if (typeof r.pid === 'number' && typeof r.machine === 'string' && typeof r.token === 'string') return r;
  } catch {
    // fall through
  }
  return 'unreadable';
}

function describeHolder(r: LockRecord): string {
  return `pid ${r.pid} on ${r.host} (${r.purpose}, since ${r.since})`;
}

/** Try once: create `.lock` or report who holds it. */
function tryCreate(file: string, record: LockRecord): true | LockRecord | 'unreadable' {
  const tmp = `${file}.~${tempTag()}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(record, null, 2) + '\n', { flag: 'wx' });
  try {
    fs.linkSync(tmp, file);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  const holder = readRecord(file);
  return holder === null ? tryCreate(file, record) : holder;
}

/**
 * Remove a dead holder's `.lock`: move it aside, then check that what was moved is the
 * record judged dead (another waiter may have broken it and locked again meanwhile); if
 * it is not, put it back.
 */
function breakLock(file: string, dead: LockRecord): void {
  const aside = `${file}.~${tempTag()}.tmp`;
  try {
    fs.renameSync(file, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  const moved = readRecord(aside);
  if (moved !== 'unreadable' && moved !== null && moved.token === dead.token) {
    fs.rmSync(aside, { force: true });
    return;
  }
  try {
    fs.linkSync(aside, file);
  } finally {
    fs.rmSync(aside, { force: true });
  }
}

/**
 * Remove the `.lock` of `dir` when its holder is provably dead (a run killed after its
 * last seed leaves it, and a run that finds every seed on disk takes no lock). Returns the
 * note to print, or null. A live or foreign holder's lock, and a read-only folder's, stay.
 */
export function removeDeadLock(dir: string): string | null {
  const file = path.join(dir, LOCK_FILE);
  const r = readRecord(file);
  if (r === null || r === 'unreadable' || liveness(r) !== 'dead') return null;
  try {
    breakLock(file, r);
  } catch {
    return null; // read-only folder: leave it
  }
  return `note: ${dir}: removed the lock of ${describeHolder(r)}, which is no longer running`;
}

/** Take the lock on `dir`, waiting while a live process holds it. */
export async function lockFolder(dir: string, opts: LockOptions): Promise<FolderLock> {
  const file = path.join(dir, LOCK_FILE);
  const me = thisProcess();
  const record: LockRecord = { ...me, token: randomBytes(8).toString('hex'), since: new Date().toISOString(), purpose: opts.purpose };
  const pollMs = opts.pollMs ?? 200, remindMs = opts.remindMs ?? 30_000;
  const t0 = Date.now();
  let lastNote = -Infinity;
  let unreadableSince: number | null = null;
  for (;;) {
    const r = tryCreate(file, record);
    if (r === true) break;
    if (r === 'unreadable') {
      // Only a hand-edited lock is unreadable (ours are complete before they appear).
      unreadableSince ??= Date.now();
      if (Date.now() - unreadableSince > 2000) {
        throw new Error(`${file}: lock file is not a lock record; if no run uses ${dir}, remove it`);
      }
    } else {
      unreadableSince = null;
      const state = liveness(r);
      if (state === 'dead') {
        opts.log(`note: ${dir}: removing the lock of ${describeHolder(r)}, which is no longer running`);
        breakLock(file, r);
        continue;
      }
      const waited = Date.now() - t0;
      if (opts.timeoutMs !== undefined && waited > opts.timeoutMs) {
        throw new Error(`${dir}: still locked by ${describeHolder(r)} after ${formatDuration(waited)}`);
      }
      if (Date.now() - lastNote >= remindMs) {
        lastNote = Date.now();
        const hint = state === 'unknown' ? `; it runs on another machine, so only you can tell whether it died: if it did, remove ${file}` : '';
        opts.log(`waiting for ${describeHolder(r)} to finish with ${dir}${waited > 0 ? ` (waited ${formatDuration(waited)})` : ''}${hint}`);
      }
    }
    await new Promise((res) => setTimeout(res, pollMs));
  }
  const lock: FolderLock = {
    file,
    record,
    assertHeld() {
      const now = readRecord(file);
      if (now === null || now === 'unreadable' || now.token !== record.token) {
        throw new Error(`${file}: this run's lock was removed or replaced while it ran; stopping so that two runs do not write ${dir} at once`);
      }
    },
    release() {
      if (!held.has(lock)) return;
      held.delete(lock);
      const now = readRecord(file);
      if (now !== null && now !== 'unreadable' && now.token === record.token) fs.rmSync(file, { force: true });
    },
  };
  held.add(lock);
  if (!exitHook) {
    exitHook = true;
    process.on('exit', () => {
      for (const l of [...held]) {
        try {
          l.release();
        } catch {
          // exiting anyway
        }
      }
    });
  }
  return lock;
}
