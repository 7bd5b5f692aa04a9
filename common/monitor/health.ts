/**
 * A light request competing with the heavy work: a loopback HTTP `/health` endpoint served by THIS
 * process's main thread, probed from a separate worker thread (its own event loop, so the prober's
 * clock is not stopped by the main thread's blocking). Probes go out on a fixed schedule (open loop),
 * and latency = scheduled send → full response, in ms: a probe that had to wait for a blocked loop
 * counts its whole wait (wrk2's correction for coordinated omission).
 */
import { createServer, type Server } from 'node:http';
import { Worker } from 'node:worker_threads';
import type { AddressInfo } from 'node:net';

export interface HealthServer {
  url: string;
  close(): Promise<void>;
}

export async function startHealthServer(): Promise<HealthServer> {
  const server: Server = createServer((req, res) => {
    if (req.url === '/health') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/health`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface HealthProbes {
  /** Latency of every answered probe, ms from its scheduled send. */
  samples: number[];
  /** Scheduled send time of each sample, ms since the epoch (performance.timeOrigin + now, comparable across threads). */
  at: number[];
  failures: number;
}

export interface HealthProber {
  /** Stops scheduling probes, waits for those in flight (up to 10 s) and returns them. */
  stop(): Promise<HealthProbes>;
}

/** Now in ms since the epoch, on the clock the prober's `at` uses. */
export const epochNow = (): number => performance.timeOrigin + performance.now();

export async function startHealthProber(url: string, intervalMs = 10): Promise<HealthProber> {
  const worker = new Worker(new URL('./health-prober.mjs', import.meta.url), { workerData: { url, intervalMs } });
  await new Promise<void>((resolve, reject) => {
    worker.once('message', (m) => (m === 'ready' ? resolve() : reject(new Error(`prober: ${m}`))));
    worker.once('error', reject);
  });
  return {
    stop: () =>
      new Promise((resolve, reject) => {
        worker.once('message', (m) => {
          resolve(m);
          void worker.terminate();
        });
        worker.once('error', reject);
        worker.postMessage('stop');
      }),
  };
}
