/**
 * Points on the Pareto front of (throughput ↑, latency ↓): no other point has throughput ≥ and latency ≤
 * with one strictly better. Experiment 5 marks load levels with it, experiment 11 pipelines.
 */
export function paretoFront(points: readonly { throughput: number; latency: number }[]): boolean[] {
  return points.map((p, i) =>
    !points.some((q, j) => j !== i && q.throughput >= p.throughput && q.latency <= p.latency && (q.throughput > p.throughput || q.latency < p.latency)),
  );
}
