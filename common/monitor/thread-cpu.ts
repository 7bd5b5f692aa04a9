/**
 * CPU time of this process's main thread alone (user + system), from /proc/self/task/<pid>/stat on
 * Linux. process.cpuUsage() counts every thread of the process, worker threads included, so it cannot
 * tell the dispatcher's share; Node 20 has no per-thread API. Resolution: one clock tick (10 ms at the
 * usual USER_HZ of 100), so read it over spans of hundreds of milliseconds.
 */
import { readFileSync } from 'node:fs';

const MS_PER_TICK = 10;

/** Parses a /proc/<pid>/task/<tid>/stat line into CPU ms (utime + stime are fields 14 and 15). */
export function cpuMsFromStat(stat: string): number {
  // The command name (field 2) may hold spaces and parentheses: count fields after its closing ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).trim().split(/\s+/);
  return (Number(fields[11]) + Number(fields[12])) * MS_PER_TICK;
}

/** Main-thread CPU ms so far, or undefined where /proc is not available. */
export function mainThreadCpuMs(): number | undefined {
  try {
    return cpuMsFromStat(readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}
