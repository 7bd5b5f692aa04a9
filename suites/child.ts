/**
 * Entry of a measuring child process: receives one job (an experiment and some of its points), loads
 * only that suite's module, measures the points in order and sends each point's rows back as soon as
 * they exist. It exits when done; the parent turns a crash, a hang or a non-zero exit into error rows.
 */
import type { Experiment, Suite } from './types.ts';
import type { ChildJob, ChildMessage, ParentMessage } from './child-protocol.ts';

const controller = new AbortController();

function send(message: ChildMessage): Promise<void> {
  return new Promise((resolve, reject) => process.send!(message, (err: Error | null) => (err ? reject(err) : resolve())));
}

const errorMessage = (err: unknown): string => (err instanceof Error ? err.message : String(err));

async function runJob(job: ChildJob): Promise<void> {
  const suite: Suite = (await import(job.entry)).default;
  const experiment: Experiment | undefined = suite.experiments.find((e) => e.id === job.experiment);
  if (!experiment) throw new Error(`suite ${suite.name} has no experiment ${job.experiment}`);
  const options = { ...job.options, signal: controller.signal, progress: (detail: string) => void send({ type: 'progress', detail }) };
  const points = await experiment.matrix(options);
  for (const [i, index] of job.points.entries()) {
    if (controller.signal.aborted) break;
    await send({ type: 'point-start', point: index });
    const point = points[index];
    const label = point === undefined ? undefined : experiment.label(point);
    if (label !== job.labels[i]) {
      await send({ type: 'point-error', point: index, message: `the child's matrix differs from the parent's at point ${index}: '${label}' instead of '${job.labels[i]}'` });
      continue;
    }
    try {
      await send({ type: 'rows', point: index, rows: await experiment.run(point, options) });
    } catch (err) {
      await send({ type: 'point-error', point: index, message: errorMessage(err) });
    }
  }
  let teardownError: string | undefined;
  try {
    await experiment.teardown?.();
    await suite.teardown?.();
  } catch (err) {
    teardownError = errorMessage(err);
  }
  await send({ type: 'done', teardownError });
}

process.on('message', (message: ParentMessage) => {
  if (message.type === 'abort') controller.abort();
  else
    runJob(message.job).then(
      // Exit explicitly: a pool or socket a point left open must not keep the child alive.
      () => process.exit(0),
      (err) => {
        process.stderr.write(`child failed: ${err instanceof Error ? err.stack : String(err)}\n`);
        process.exit(1);
      },
    );
});
