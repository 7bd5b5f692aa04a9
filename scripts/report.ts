/** Entry point of `npm run report -- results/<run>`: charts and report.html from a finished run folder. */
import { processIO } from '../common/cli/cli-io.ts';
import { runReportCli } from './report-command.ts';

const code = await runReportCli(process.argv.slice(2), processIO);
process.exitCode = code;
