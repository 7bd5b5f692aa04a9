// workerpool child-process entry (plain JS, see pool-worker.mjs). { config, templateSource } arrives as argv[2].
import workerpool from 'workerpool';
import { tsImport } from 'tsx/esm/api';

const handler = await tsImport('./worker-handler.ts', import.meta.url);
await handler.init(JSON.parse(process.argv[2]));

workerpool.worker({ run: handler.run, identity: handler.identity, crash: handler.crash });
