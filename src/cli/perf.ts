// `tributary perf produce|consume|e2e`: the perf tool on the command line. A progress bar on
// stderr while stdout is a terminal, then the summary: one line, or one JSON object (--json).

import { parsePerfArgs } from "../perf/options.ts";
import { runPerf } from "../perf/perf.ts";
import { ProgressTicker } from "../perf/progress.ts";
import { formatSummary } from "../perf/summary.ts";
import { type CliRuntime, io } from "./client-flags.ts";

export async function perfCommand(rt: CliRuntime, argv: readonly string[]): Promise<void> {
  const options = parsePerfArgs(argv);
  const host = io(rt);
  const progress = { done: 0 };
  const ticker = host.stdoutIsTerminal && !options.json
    ? new ProgressTicker(rt, {
      draw: (line) => void host.writeStderr(line),
      done: () => progress.done,
      total: options.records,
    })
    : null;
  let summary;
  try {
    summary = await runPerf(rt, options, progress);
  } finally {
    ticker?.stop();
  }
  await host.writeStdout(
    options.json ? `${JSON.stringify(summary)}\n` : `${formatSummary(summary)}\n`,
  );
}
