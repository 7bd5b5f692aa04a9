import { describe, expect, it } from 'vitest';
import { cpuMsFromSchedstat, cpuMsFromStat, mainThreadCpuClock } from '../common/monitor/thread-cpu.ts';
import { ceilingPerRound, ceilingRows, dispatcherRows } from '../suites/preprocessing/dispatcher.ts';
import { strategyPoints } from '../suites/preprocessing/queue-points.ts';

const params = { template: 't', engine: 'jinja', strategy: 'pool', workers: 2 };
const cpuUsageMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;

describe("the dispatcher's share", () => {
  it('turns the main thread’s load during the timed batches into rows', () => {
    const rows = dispatcherRows({ loopUtilization: 0.25, requests: 6400, workerUtilization: [0.9, 0.6], activeMsPerWindow: [120, 200], cpu: { msPerWindow: [80, 120], source: 'stat', resolutionMs: 10 } });
    expect(rows.map((r) => [r.metric, r.unit, r.value])).toEqual([
      ['dispatcher_elu', '%', 25],
      ['dispatch_per_request', 'us', 50],
      ['dispatch_cpu_per_request', 'us', 31.25],
      ['worker_elu_min', '%', 60],
      ['worker_elu_max', '%', 90],
    ]);
  });

  it('the ceiling is main’s batch over the dispatcher’s busy time in the same round, one figure per round', () => {
    // Round 1: main took 320 ms, dispatching the same batch kept the main thread busy 3.2 ms → at most 100×;
    // round 2 ran on a machine twice as slow: both doubled, the ceiling did not move.
    const load = { loopUtilization: 0.1, requests: 32, workerUtilization: [], activeMsPerWindow: [3.2, 6.4] };
    const [row] = ceilingRows([320, 640], load, 'clone', params);
    expect(row).toMatchObject({ params, metric: 'dispatch_ceiling', unit: 'x', samples: [100, 100] });
    expect(row.summary!.median).toBe(100);
    expect(row.note).toContain("the main thread's busy time (event loop active");
    expect(ceilingRows([320, 640], { ...load, activeMsPerWindow: [1.6, 6.4] }, 'json', params)).toMatchObject([{ metric: 'dispatch_ceiling_json', samples: [200, 100] }]);
    // No round with a busy dispatcher: no ceiling row at all.
    expect(ceilingRows([320, 640], { ...load, activeMsPerWindow: [0, 0] }, 'clone', params)).toEqual([]);
    // A window in which the dispatcher was never busy has no ceiling; windows and rounds must match.
    expect(ceilingPerRound([320, 640], [0, 6.4])).toEqual([100]);
    expect(() => ceilingPerRound([320], [3.2, 6.4])).toThrow('1 main batches but 2 dispatch windows');
    expect(dispatcherRows({ loopUtilization: 0.1, requests: 640, workerUtilization: [], activeMsPerWindow: [16] }, 'json').map((r) => [r.metric, r.value])).toEqual([['dispatcher_elu_json', 10], ['dispatch_per_request_json', 25]]);
    // Under ten ticks of the CPU clock the per-request CPU figure is left out.
    expect(dispatcherRows({ loopUtilization: 0.1, requests: 640, workerUtilization: [], activeMsPerWindow: [16], cpu: { msPerWindow: [90], source: 'stat', resolutionMs: 10 } }).map((r) => r.metric)).toEqual(['dispatcher_elu', 'dispatch_per_request']);
  });

  it('with an on-CPU clock (schedstat) the ceiling divides by the dispatcher’s CPU time, not its busy time', () => {
    // Busy 6.4 ms in each round, of which 3.2 ms on a core (the rest runnable, waiting for one): 100×, not 50×.
    const load = { loopUtilization: 0.1, requests: 32, workerUtilization: [], activeMsPerWindow: [6.4, 6.4], cpu: { msPerWindow: [3.2, 3.2], source: 'schedstat' as const, resolutionMs: 1e-6 } };
    const [row] = ceilingRows([320, 320], load, 'clone', params);
    expect(row).toMatchObject({ samples: [100, 100] });
    expect(row.note).toContain("the main thread's CPU time (/proc schedstat)");
    // A 10-ms stat clock is too coarse for a window: busy time stays the divisor.
    expect(ceilingRows([320, 320], { ...load, cpu: { ...load.cpu, source: 'stat', resolutionMs: 10 } }, 'clone', params)).toMatchObject([{ samples: [50, 50] }]);
    // Per request, 6.4 µs of CPU over 1000 requests is reported with the schedstat clock (far above ten of its ticks).
    expect(dispatcherRows({ ...load, requests: 1000 }).find((r) => r.metric === 'dispatch_cpu_per_request')).toMatchObject({ value: 6.4, note: expect.stringContaining('/proc schedstat') });
  });

  it('reads on-CPU nanoseconds from a /proc schedstat line', () => {
    expect(cpuMsFromSchedstat('306147879 12009742 774\n')).toBeCloseTo(306.147879, 9);
  });

  it("reads the main thread's CPU time from a /proc stat line, whatever its command name holds", () => {
    const stat = '4242 (node (my) app) R 1 4242 4242 0 -1 4194304 1000 0 0 0 250 37 0 0 20 0 11 0 100 0 0';
    expect(cpuMsFromStat(stat)).toBe((250 + 37) * 10);
  });

  it("counts a busy loop's CPU time on the main thread, never more than the wall time it took (no clock without /proc)", () => {
    const clock = mainThreadCpuClock();
    if (process.platform !== 'linux') return expect(clock).toBeUndefined();
    // The spans enclose each other: wall ⊇ process ⊇ thread readings.
    const wallStart = performance.now();
    const processStart = process.cpuUsage();
    const threadStart = clock!.read();
    // Until the process has used 200 ms of CPU: on a loaded machine the loop just runs longer.
    while (cpuUsageMs(process.cpuUsage(processStart)) < 200) {}
    const threadMs = clock!.read() - threadStart;
    const processMs = cpuUsageMs(process.cpuUsage(processStart));
    const wallMs = performance.now() - wallStart;
    // A reading may exceed the true time by up to two ticks of its clock (stat: utime and stime are each whole ticks).
    expect(threadMs).toBeLessThanOrEqual(Math.min(wallMs, processMs) + 2 * clock!.resolutionMs);
    // The loop runs on this thread and allocates little: most of the process's CPU time is its own.
    expect(threadMs).toBeGreaterThan(processMs / 2);
  });

  it('--workers replaces the default worker counts of pool and process points', () => {
    const options = { quick: true, suites: { preprocessing: { models: [], engines: [], strategies: ['main', 'pool'], workers: [1, 4, 16] } } };
    expect(strategyPoints(options)).toEqual([{ strategy: 'main', workers: 1 }, { strategy: 'pool', workers: 1 }, { strategy: 'pool', workers: 4 }, { strategy: 'pool', workers: 16 }]);
  });
});
