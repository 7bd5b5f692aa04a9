// Load worker entry (plain JS: worker threads do not inherit a TypeScript loader). Loads the TypeScript
// side (prebuilt or through tsx: common/build/import-ts.mjs), says it is ready, then answers each phase message with its share's records.
import { parentPort, workerData } from 'node:worker_threads';
import { importTs } from '../../common/build/import-ts.mjs';

const { loadWorker } = await importTs('./load-worker-thread.ts', import.meta.url);
const worker = loadWorker(workerData);
parentPort.on('message', async (m) => {
  if (m.type === 'abort') worker.abort();
  else parentPort.postMessage(await worker.phase(m));
});
parentPort.postMessage({ type: 'ready' });
