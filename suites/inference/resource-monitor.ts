/**
 * What the client process (and, on Linux, the embedded server process) costs during one measured run:
 * CPU % (user + system time / wall time; 100 % = one core busy), peak RSS sampled every 50 ms, and this
 * thread's event-loop delay (monitorEventLoopDelay, common/monitor/).
 */
import { readFileSync } from 'node:fs';
import { startLoopDelayMonitor, type LoopDelay } from '../../common/monitor/event-loop.ts';

export interface RunResources {
  wallMs: number;
  cpuPercent: number;
  peakRssMb: number;
  loop: LoopDelay;
  /** CPU % of the server process, when its pid is known and /proc is readable. */
  serverCpuPercent?: number;
}

/** user+system CPU seconds of a process from /proc (Linux); undefined elsewhere. */
function procCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After the command: state is field 3, utime 14, stime 15 (1-based), i.e. indexes 11 and 12 here.
    return (Number(fields[11]) + Number(fields[12])) / 100; // USER_HZ is 100 on Linux
  } catch {
    return undefined;
  }
}

export function startResourceMonitor(serverPid?: number): { stop(): RunResources } {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const server0 = serverPid ? procCpuSeconds(serverPid) : undefined;
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 50);
  timer.unref();
  const loop = startLoopDelayMonitor(1);
  return {
    stop() {
      clearInterval(timer);
      peak = Math.max(peak, process.memoryUsage.rss());
      const wallMs = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      const server1 = serverPid ? procCpuSeconds(serverPid) : undefined;
      return {
        wallMs,
        cpuPercent: wallMs > 0 ? ((cpu.user + cpu.system) / 1000 / wallMs) * 100 : NaN,
        peakRssMb: peak / 2 ** 20,
        loop: loop.stop(),
        serverCpuPercent: server0 !== undefined && server1 !== undefined && wallMs > 0 ? ((server1 - server0) * 1000 * 100) / wallMs : undefined,
      };
    },
  };
}
