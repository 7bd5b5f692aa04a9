// Child process of common/measure/bounded-encode.ts (plain JS, like the pool workers: a forked process inherits no
// TypeScript loader). Loads the handler, prebuilt or through tsx (common/build/import-ts.mjs); library and model arrive as argv.
import { importTs } from '../build/import-ts.mjs';

const handler = await importTs('./bounded-encode-handler.ts', import.meta.url);
await handler.serve(process.argv[2], process.argv[3]);
