/**
 * The /health prober is open-loop: probes leave on a fixed schedule whatever the server does, and each
 * latency counts from the probe's scheduled send — so a probe scheduled while the server's event loop
 * was blocked counts its whole wait (no coordinated omission). Bounds here are causal, not speeds.
 */
import { describe, expect, it } from 'vitest';
import { epochNow, startHealthProber, startHealthServer } from '../common/monitor/health.ts';

const block = (ms: number) => {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    /* the server's event loop cannot answer */
  }
};

describe('open-loop /health prober', () => {
  it('keeps its schedule through a blocked loop and counts each probe from its scheduled send', async () => {
    const server = await startHealthServer();
    const prober = await startHealthProber(server.url, 5);
    await new Promise((r) => setTimeout(r, 100));
    const blockedFrom = epochNow();
    block(300);
    const blockedTo = epochNow();
    await new Promise((r) => setTimeout(r, 100));
    const { samples, at, failures } = await prober.stop();
    await server.close();
    expect(failures).toBe(0);
    expect(at.length).toBe(samples.length);
    // Probes scheduled while the loop was blocked were still sent on schedule (a closed-loop prober would
    // have one in flight and none scheduled during the block) …
    const during = at.map((t, i) => ({ t, ms: samples[i] })).filter((p) => p.t >= blockedFrom + 5 && p.t < blockedTo - 5);
    expect(during.length).toBeGreaterThanOrEqual(Math.floor((blockedTo - blockedFrom - 10) / 5) - 5);
    // … and none could be answered before the loop was free again: its latency covers the rest of the block.
    for (const p of during) expect(p.ms).toBeGreaterThanOrEqual(blockedTo - p.t - 1);
  });
});
