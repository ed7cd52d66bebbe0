import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Read-only looks at /proc: memory of a process, and CPU seconds used by processes (ours, and the
 * stack's servers), to say what was busy during a phase.
 */

const TICKS_PER_SECOND = 100;

/** Peak resident set (VmHWM) and current RSS of a process, in MiB; undefined once it is gone. */
export function memoryOf(pid: number): { peakMiB: number; rssMiB: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (field: string): number =>
      Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
    return { peakMiB: kib('VmHWM') / 1024, rssMiB: kib('VmRSS') / 1024 };
  } catch {
    return undefined;
  }
}

/** utime+stime of a process in seconds (0 if gone). */
export function cpuSecondsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

function pidFile(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** CPU seconds so far of the stack's servers, by role. Connections that ended are not counted. */
export function stackCpu(): Record<string, number> {
  const out: Record<string, number> = { postgres: 0, mariadb: 0, kafka: 0, connect: 0 };
  const kafka = pidFile(path.resolve('.stack/run/kafka.pid'));
  const connect = pidFile(path.resolve('.stack/run/connect.pid'));
  if (kafka) out['kafka'] = cpuSecondsOf(kafka);
  if (connect) out['connect'] = cpuSecondsOf(connect);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let comm: string;
    try {
      comm = readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
    } catch {
      continue;
    }
    if (comm === 'postgres') out['postgres']! += cpuSecondsOf(Number(entry));
    else if (comm === 'mariadbd') out['mariadb']! += cpuSecondsOf(Number(entry));
  }
  return out;
}

/** Cores used per role between two `stackCpu()` readings `seconds` apart. */
export function coresBetween(
  before: Record<string, number>,
  after: Record<string, number>,
  seconds: number,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [role, value] of Object.entries(after)) {
    out[role] = Math.max(0, value - (before[role] ?? 0)) / Math.max(0.001, seconds);
  }
  return out;
}

/** Load average over 1 minute, to show how busy the shared machine was. */
export function loadAverage(): number {
  try {
    return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
  } catch {
    return 0;
  }
}
