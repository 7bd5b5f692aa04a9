/** Entry point of `npm run report -- results/<run>`: charts and report.html from a finished run folder. */
import { runReportCli } from './report-command.ts';

const code = await runReportCli(process.argv.slice(2), {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
});
process.exitCode = code;
