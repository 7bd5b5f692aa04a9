// Load worker entry (plain JS: worker threads do not inherit a TypeScript loader). Loads the TypeScript
// side through tsx, says it is ready, then answers each phase message with its share's records.
import { parentPort, workerData } from 'node:worker_threads';
import { tsImport } from 'tsx/esm/api';

const { loadWorker } = await tsImport('./load-worker-thread.ts', import.meta.url);
const worker = loadWorker(workerData);
parentPort.on('message', async (m) => {
  if (m.type === 'abort') worker.abort();
  else parentPort.postMessage(await worker.phase(m));
});
parentPort.postMessage({ type: 'ready' });
