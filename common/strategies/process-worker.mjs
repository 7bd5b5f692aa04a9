// workerpool child-process entry (plain JS, see pool-worker.mjs). { config, templateSource } arrives as argv[2].
import workerpool from 'workerpool';
import { importTs } from '../build/import-ts.mjs';

const handler = await importTs('./worker-handler.ts', import.meta.url);
await handler.init(JSON.parse(process.argv[2]));

/** IPC sends JSON: packed ids (task encoding `json`) cannot be transferred and go back as a plain array. */
async function run(task) {
  const result = await handler.run(task);
  return result.ids instanceof Int32Array ? { ...result, ids: Array.from(result.ids) } : result;
}

workerpool.worker({ run, identity: handler.identity, crash: handler.crash });
