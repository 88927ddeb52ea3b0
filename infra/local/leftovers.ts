import { readdirSync, readFileSync } from 'node:fs';

/**
 * Processes are found by a mark in their environment (`NAME=value`): every process a command
 * starts inherits it, detached daemons and their children included, whoever they run as and
 * wherever they keep their files. A command marks itself, and at its end asks which marked
 * processes are still alive.
 */
export interface MarkedProcess {
  pid: number;
  command: string;
}

function environOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'latin1');
  } catch {
    return undefined; // gone meanwhile, or not ours to read
  }
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0').filter(Boolean).join(' ');
  } catch {
    return '?';
  }
}

function parentOf(pid: number): number | undefined {
  try {
    // The command name may hold spaces and parentheses: the fields follow the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** This process and its ancestors: they carry the mark too, and are not left over. */
function selfAndAncestors(): Set<number> {
  const out = new Set<number>();
  for (let p: number | undefined = process.pid; p !== undefined && p > 1 && !out.has(p); p = parentOf(p))
    out.add(p);
  return out;
}

/** Live processes whose environment holds `name=value`, but for this one and its ancestors. */
export function markedProcesses(name: string, value: string): MarkedProcess[] {
  const mark = `${name}=${value}\0`;
  const mine = selfAndAncestors();
  const found: MarkedProcess[] = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || mine.has(pid)) continue;
    const env = environOf(pid);
    // Each entry of environ ends with NUL: a leading one makes every entry start after one.
    if (env === undefined || !`\0${env}`.includes(`\0${mark}`)) continue;
    // A zombie has no environment left to read; one that is readable and marked is alive.
    found.push({ pid, command: commandOf(pid).slice(0, 200) });
  }
  return found;
}

/** Ends the given processes (SIGKILL: they outlived the command that should have stopped them). */
export function killProcesses(list: readonly MarkedProcess[]): void {
  for (const p of list) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
}
