/** Entry point of `npm run bench`. */
import { processIO } from '../common/cli/cli-io.ts';
import { runCli } from './cli.ts';

// A closed stdout or stderr (output piped into `head`, a terminal gone) must never stop the run from
// writing its folder: a failed write is dropped instead of ending the process.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});

const code = await runCli(process.argv.slice(2), processIO);
// Exit explicitly once stdout is flushed: a pool or socket left by a failed point must not keep the
// process alive. A stdout that never drains (closed, or a stalled pipe) must not either.
process.exitCode = code;
setTimeout(() => process.exit(code), 1000).unref();
process.stdout.write('', () => process.exit(code));
