/** Entry point of `npm run fixture-rows -- results/<run> N [M …]` (fixture-rows-command.ts). */
import { processIO } from '../common/cli/cli-io.ts';
import { runFixtureRowsCli } from './fixture-rows-command.ts';

process.exitCode = runFixtureRowsCli(process.argv.slice(2), processIO);
