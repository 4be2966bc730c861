/**
 * Which process wrote a file, and is it still alive? Lock files and temporary files
 * carry the identity of their writer, so that a later process removes them only when
 * their writer is provably dead:
 *
 * - same machine (host name, boot and pid namespace all equal) and no process with that
 *   pid, or a process with that pid that started at another time (the pid was reused):
 *   dead;
 * - same machine and that very process still runs: alive;
 * - another machine, container or boot: unknown. Its files are left alone, and a lock it
 *   holds is waited for (the message names the host and pid, so a user can remove it).
 *
 * Start times come from /proc/<pid>/stat (Linux). Elsewhere a pid that answers signal 0
 * counts as alive, whatever its start time.
 */
import { createHash, randomBytes } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';

/** A process, as recorded in a lock or temporary file. */
export interface ProcessId {
  /** Host name, for messages. */
  host: string;
  /** Hash of host name, boot id and pid namespace: equal only on the same running machine. */
  machine: string;
  pid: number;
  /** Start time in clock ticks since boot (Linux), or "" where unknown. */
  start: string;
}

export type Liveness = 'alive' | 'dead' | 'unknown';

function readOr(file: string, fallback: string): string {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    return fallback;
  }
}

function pidNamespace(): string {
  try {
    return fs.readlinkSync('/proc/self/ns/pid');
  } catch {
    return '';
  }
}

let machineCache: string | null = null;
/** This machine's id (12 hex digits). */
export function machineId(): string {
  if (machineCache === null) {
    const parts = [os.hostname(), readOr('/proc/sys/kernel/random/boot_id', ''), pidNamespace()];
    machineCache = createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 12);
  }
  return machineCache;
}

/** /proc/<pid>/stat: [state, start ticks], or null when there is no such process (or no /proc). */
function procStat(pid: number): { state: string; start: string } | null {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // "pid (comm) state ppid ...": comm may hold spaces and parentheses; split after the last ')'.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: rest[0], start: rest[19] ?? '' };
}

const hasProc = fs.existsSync('/proc/self/stat');

/** Start time of `pid` in clock ticks since boot, "" where unknown, null when it does not run. */
export function processStart(pid: number): string | null {
  if (hasProc) {
    const s = procStat(pid);
    return s === null || s.state === 'Z' || s.state === 'X' ? null : s.start;
  }
  try {
    process.kill(pid, 0);
    return '';
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM' ? '' : null;
  }
}

let selfCache: ProcessId | null = null;
/** This process. */
export function thisProcess(): ProcessId {
  if (selfCache === null || selfCache.pid !== process.pid) {
    selfCache = { host: os.hostname(), machine: machineId(), pid: process.pid, start: processStart(process.pid) ?? '' };
  }
  return selfCache;
}

/** Whether the process `id` still runs (see the file comment). */
export function liveness(id: ProcessId): Liveness {
  if (id.machine !== machineId()) return 'unknown';
  const start = processStart(id.pid);
  if (start === null) return 'dead';
  if (start !== '' && id.start !== '' && start !== id.start) return 'dead';
  return 'alive';
}

/**
 * The writer part of a temporary file name: `<pid>_<start>_<machine>_<random>`. Python's
 * writer (scripts/notebooks.py) makes the same names.
 */
export function tempTag(): string {
  const me = thisProcess();
  return `${me.pid}_${me.start || '0'}_${me.machine}_${randomBytes(3).toString('hex')}`;
}

const TEMP = /\.~(\d+)_(\d+)_([0-9a-f]{12})_[0-9a-f]+\.tmp$/;

/** The writer of a temporary file named by `tempTag`, or null for a name in another form. */
export function tempWriter(fileName: string): ProcessId | null {
  const m = TEMP.exec(fileName);
  if (!m) return null;
  return { host: '?', machine: m[3], pid: Number(m[1]), start: m[2] === '0' ? '' : m[2] };
}
