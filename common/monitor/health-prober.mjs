// Worker thread: sends GET /health on a fixed schedule (every `intervalMs` from the start), whatever
// the answers do, and measures each latency from the probe's scheduled time — wrk2's correction for
// coordinated omission: a blocked server delays every probe scheduled while it was blocked, and each of
// those waits counts. Plain JS: it needs no TypeScript and must start fast.
import { parentPort, workerData } from 'node:worker_threads';
import http from 'node:http';

const { url, intervalMs } = workerData;
// A connection per probe in flight: one socket would queue the schedule's probes behind each other in
// this client, and the wait would be the prober's, not the server's.
const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
const samples = [];
/** Scheduled time of each sample, ms since the epoch (performance.timeOrigin + now): comparable across threads. */
const at = [];
let failures = 0;
let inFlight = 0;
let timer;

function probe(scheduled) {
  inFlight++;
  const done = () => inFlight--;
  const req = http.get(url, { agent, timeout: 10_000 }, (res) => {
    res.resume();
    res.on('end', () => {
      samples.push(performance.now() - scheduled);
      at.push(performance.timeOrigin + scheduled);
      done();
    });
  });
  req.on('timeout', () => req.destroy(new Error('timeout')));
  req.on('error', () => {
    failures++;
    done();
  });
}

function schedule(start) {
  let k = 0;
  const tick = () => {
    const now = performance.now();
    // Every probe whose time has come is sent, also after a late timer.
    while (start + k * intervalMs <= now) probe(start + k++ * intervalMs);
    timer = setTimeout(tick, Math.max(0, start + k * intervalMs - performance.now()));
  };
  tick();
}

parentPort.on('message', async (m) => {
  if (m !== 'stop') return;
  clearTimeout(timer);
  const deadline = performance.now() + 10_000;
  while (inFlight > 0 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 1));
  agent.destroy();
  parentPort.postMessage({ samples, at, failures });
});

// Opens the keep-alive connection before measurement counts.
http.get(url, { agent }, (res) => {
  res.resume();
  res.on('end', () => {
    parentPort.postMessage('ready');
    schedule(performance.now());
  });
}).on('error', (err) => parentPort.postMessage(`cannot reach ${url}: ${err.message}`));
