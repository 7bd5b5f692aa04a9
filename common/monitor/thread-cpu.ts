/**
 * CPU time of this process's main thread alone, on Linux. process.cpuUsage() counts every thread of the
 * process, worker threads included, so it cannot tell the dispatcher's share; Node 20 has no per-thread
 * API. Read from /proc/self/task/<pid>/schedstat where the kernel keeps it (on-CPU nanoseconds: time spent
 * runnable but waiting for a core is not in it), else from …/stat (user + system in clock ticks of 10 ms
 * at the usual USER_HZ of 100, so read it over spans of hundreds of milliseconds).
 */
import { readFileSync } from 'node:fs';

const MS_PER_TICK = 10;

/** Parses a /proc/<pid>/task/<tid>/stat line into CPU ms (utime + stime are fields 14 and 15). */
export function cpuMsFromStat(stat: string): number {
  // The command name (field 2) may hold spaces and parentheses: count fields after its closing ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).trim().split(/\s+/);
  return (Number(fields[11]) + Number(fields[12])) * MS_PER_TICK;
}

/** Parses a /proc/<pid>/task/<tid>/schedstat line ("on-CPU ns, run-queue wait ns, timeslices") into on-CPU ms. */
export function cpuMsFromSchedstat(schedstat: string): number {
  return Number(schedstat.trim().split(/\s+/)[0]) / 1e6;
}

/** A clock of the main thread's CPU time: where it reads from, how fine it is, and the ms so far. */
export interface ThreadCpuClock {
  source: 'schedstat' | 'stat';
  resolutionMs: number;
  read(): number;
}

function clockOf(source: ThreadCpuClock['source'], resolutionMs: number, parse: (text: string) => number): ThreadCpuClock | undefined {
  const path = `/proc/self/task/${process.pid}/${source}`;
  const read = () => parse(readFileSync(path, 'utf8'));
  try {
    return Number.isFinite(read()) ? { source, resolutionMs, read } : undefined;
  } catch {
    return undefined;
  }
}

/** The finest main-thread CPU clock this machine has, or undefined where /proc is not available. */
export function mainThreadCpuClock(): ThreadCpuClock | undefined {
  return clockOf('schedstat', 1e-6, cpuMsFromSchedstat) ?? clockOf('stat', MS_PER_TICK, cpuMsFromStat);
}
