// Entry of the perf tool's logic: creates the topic if missing and runs the chosen mode.
// Runtime-neutral; src/cli/perf.ts adds the terminal (progress bar, printing).

import type { PerfOptions } from "./options.ts";
import { ensureTopic, type PerfProgress, type PerfRuntime } from "./context.ts";
import { runConsume } from "./run-consume.ts";
import { runE2e } from "./run-e2e.ts";
import { ensureTopicHttp, runHttpConsume, runHttpProduce } from "./run-http.ts";
import { runProduce } from "./run-produce.ts";
import type { PerfSummary } from "./summary.ts";
import { TributaryError } from "../model/errors.ts";

export async function runPerf(
  rt: PerfRuntime,
  options: PerfOptions,
  progress: PerfProgress = { done: 0 },
): Promise<PerfSummary> {
  if (options.httpUrl !== null) {
    const partitions = await ensureTopicHttp(options);
    if (options.mode === "produce") return await runHttpProduce(rt, options, progress);
    if (options.mode === "consume") {
      return await runHttpConsume(rt, options, partitions, progress);
    }
    throw new TributaryError("INVALID_CONFIG", "perf e2e runs over CBOR-over-TCP only");
  }
  const partitions = await ensureTopic(rt, options);
  if (options.mode === "produce") return await runProduce(rt, options, progress);
  if (options.mode === "consume") return await runConsume(rt, options, partitions, progress);
  return await runE2e(rt, options, partitions, progress);
}
