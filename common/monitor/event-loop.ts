/**
 * Event-loop delay of this thread during a measured window (perf_hooks.monitorEventLoopDelay): how late
 * a timer fires — the delay every other request on this event loop suffers.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';

export interface LoopDelay {
  p50: number;
  p99: number;
  max: number;
  mean: number;
  /** Number of delay observations in the window. */
  count: number;
}

export function startLoopDelayMonitor(resolutionMs = 1): { stop(): LoopDelay } {
  const h = monitorEventLoopDelay({ resolution: resolutionMs });
  h.enable();
  return {
    stop() {
      h.disable();
      // The histogram records nanoseconds and includes the sampling resolution itself; subtract it so an
      // idle loop reads ~0 ms.
      const ms = (ns: number) => Math.max(0, ns / 1e6 - resolutionMs);
      const result = { p50: ms(h.percentile(50)), p99: ms(h.percentile(99)), max: ms(h.max), mean: ms(h.mean), count: h.count };
      h.reset();
      return result;
    },
  };
}
