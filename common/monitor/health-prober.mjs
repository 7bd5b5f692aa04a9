// Worker thread: sends one GET /health at a time, at most every `intervalMs`, over a keep-alive
// connection, and records each round trip. Plain JS: it needs no TypeScript and must start fast.
import { parentPort, workerData } from 'node:worker_threads';
import http from 'node:http';

const { url, intervalMs } = workerData;
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const samples = [];
let failures = 0;
let stopping = false;

function probe() {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const req = http.get(url, { agent, timeout: 10_000 }, (res) => {
      res.resume();
      res.on('end', () => {
        samples.push(performance.now() - t0);
        resolve();
      });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => {
      failures++;
      resolve();
    });
  });
}

parentPort.on('message', (m) => {
  if (m === 'stop') stopping = true;
});

async function loop() {
  await probe(); // open the keep-alive connection before measurement counts
  samples.length = 0;
  failures = 0;
  parentPort.postMessage('ready');
  while (!stopping) {
    const t0 = performance.now();
    await probe();
    const wait = intervalMs - (performance.now() - t0);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  agent.destroy();
  parentPort.postMessage({ samples, failures });
}
loop();
