// piscina worker entry (plain JS: worker threads do not inherit a TypeScript loader). Loads the TypeScript
// handler through tsx, then initialises it with { config, templateSource } passed as workerData.
import { workerData } from 'node:worker_threads';
import { tsImport } from 'tsx/esm/api';

const handler = await tsImport('./worker-handler.ts', import.meta.url);
await handler.init(workerData);

export default handler.run;
export const identity = handler.identity;
export const crash = handler.crash;
