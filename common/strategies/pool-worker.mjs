// piscina worker entry (plain JS: worker threads do not inherit a TypeScript loader). Loads the TypeScript
// handler (prebuilt or through tsx: common/build/import-ts.mjs), then initialises it with { config, templateSource } passed as workerData.
import { workerData } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { importTs } from '../build/import-ts.mjs';

const handler = await importTs('./worker-handler.ts', import.meta.url);
await handler.init(workerData);

/** Packed ids (task encoding `json`) go back transferred: their buffer moves, nothing is copied. */
export default async function run(task) {
  const result = await handler.run(task);
  if (result.ids instanceof Int32Array) return Piscina.move({ [Piscina.transferableSymbol]: result.ids.buffer, [Piscina.valueSymbol]: result });
  return result;
}
export const identity = handler.identity;
export const crash = handler.crash;
