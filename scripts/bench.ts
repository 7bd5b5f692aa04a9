/** Entry point of `npm run bench`. */
import { processIO } from '../common/cli-io.ts';
import { runCli } from './cli.ts';

const code = await runCli(process.argv.slice(2), processIO);
// Exit explicitly once stdout is flushed: a pool or socket left by a failed point must not keep the
// process alive.
process.stdout.write('', () => process.exit(code));
