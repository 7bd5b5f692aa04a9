/**
 * Entry of a measuring child process: receives one job (some points of a suite's experiments), loads
 * only that suite's module, measures the points in order and sends each point's rows back as soon as
 * they exist. It exits when done; the parent turns a crash, a hang or a non-zero exit into error rows.
 */
import { errorMessage } from '../common/cli/error-message.ts';
import { calibrate } from '../common/measure/machine-noise.ts';
import { checkedParams, type RowInput } from '../common/results/results.ts';
import type { Experiment, Suite } from './types.ts';
import type { ChildJob, ChildMessage, ParentMessage } from './child-protocol.ts';

const controller = new AbortController();

function send(message: ChildMessage): Promise<void> {
  return new Promise((resolve, reject) => process.send!(message, (err: Error | null) => (err ? reject(err) : resolve())));
}

/** Every row of a point carries the point's parameters (its own win); an undeclared parameter fails the point. */
function withPointParams(experiment: Experiment, point: unknown, rows: RowInput[]): RowInput[] {
  const coordinates = experiment.coordinates(point);
  return rows.map((row) => {
    const withPoint = { ...row, params: { ...coordinates, ...row.params } };
    checkedParams(withPoint, experiment.params);
    return withPoint;
  });
}

async function runJob(job: ChildJob): Promise<void> {
  const suite: Suite = (await import(job.entry)).default;
  const options = { ...job.options, signal: controller.signal, progress: (detail: string) => void send({ type: 'progress', detail }) };
  const experiments = new Map<number, { experiment: Experiment; points: unknown[] }>();
  const load = async (id: number) => {
    if (!experiments.has(id)) {
      const experiment = suite.experiments.find((e) => e.id === id);
      if (!experiment) throw new Error(`suite ${suite.name} has no experiment ${id}`);
      experiments.set(id, { experiment, points: await experiment.matrix(options) });
    }
    return experiments.get(id)!;
  };
  for (const [item, { experiment: id, point: index, label }] of job.items.entries()) {
    if (controller.signal.aborted) break;
    await send({ type: 'point-start', item });
    try {
      const { experiment, points } = await load(id);
      const point = points[index];
      const actual = point === undefined ? undefined : experiment.label(point);
      if (actual !== label) throw new Error(`the child's matrix differs from the parent's at point ${index}: '${actual}' instead of '${label}'`);
      await send({ type: 'rows', item, rows: withPointParams(experiment, point, await experiment.run(point, options)) });
    } catch (err) {
      await send({ type: 'point-error', item, message: errorMessage(err) });
    }
  }
  // The machine's speed as this process saw it, after its points (so its start-up is not delayed): speed
  // states differ from one process to the next, and this puts a figure on each.
  const calibrationMs = controller.signal.aborted ? undefined : Number(calibrate().toPrecision(4));
  let teardownError: string | undefined;
  try {
    await suite.teardown?.();
  } catch (err) {
    teardownError = errorMessage(err);
  }
  await send({ type: 'done', teardownError, calibrationMs });
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
