// Child process of common/bounded-encode.ts (plain JS, like the pool workers: a forked process inherits no
// TypeScript loader). Loads the handler, prebuilt or through tsx (common/import-ts.mjs); library and model arrive as argv.
import { importTs } from './import-ts.mjs';

const handler = await importTs('./bounded-encode-handler.ts', import.meta.url);
await handler.serve(process.argv[2], process.argv[3]);
