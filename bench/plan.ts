// Record counts per scenario: the full run (npm run bench, under 20 minutes on 2 cores) and
// the quick one (BENCH_QUICK=1) used while iterating.

export interface Plan {
  sizes: number[];
  ddMebibytes: number;
  produce: (size: number) => number;
  durable: (size: number) => number;
  consume: (size: number) => number;
  /** e2e runs at e2eRate for e2eRecords / e2eRate seconds. */
  e2eRecords: number;
  e2eRate: number;
  http: (size: number) => number;
  httpBatchRecords: number;
  runTimeoutMs: number;
}

export function plan(quick: boolean): Plan {
  const pick = (full: number, small: number) => (quick ? small : full);
  return {
    sizes: [100, 1024],
    ddMebibytes: pick(1024, 256),
    produce: (size) => size <= 100 ? pick(1_000_000, 100_000) : pick(300_000, 30_000),
    durable: (size) => size <= 100 ? pick(300_000, 50_000) : pick(100_000, 20_000),
    consume: (size) => size <= 100 ? pick(1_000_000, 200_000) : pick(300_000, 50_000),
    e2eRecords: pick(100_000, 20_000),
    e2eRate: 10_000,
    http: (size) => size <= 100 ? pick(200_000, 20_000) : pick(50_000, 10_000),
    httpBatchRecords: 100,
    runTimeoutMs: 10 * 60_000,
  };
}
