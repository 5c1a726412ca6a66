// The behavioural suite every Runtime passes: Node, Deno and Bun adapters and the simulation.
//
// Cases are plain data and functions with no test framework, so each host's runner (vitest,
// deno test, bun test, the simulation's scheduler) wraps them its own way. Cases use only the
// Runtime they are handed, except those marked requiresHostFetch.
import type { Runtime } from "../types.ts";
import type { ConformanceCase } from "./case.ts";
import { ConformanceFailure } from "./check.ts";
import { fsCases } from "./fs-cases.ts";
import { httpCases } from "./http-cases.ts";
import { netCases } from "./net-cases.ts";
import { processCases } from "./process-cases.ts";
import { randomCases } from "./random-cases.ts";
import { timeCases } from "./time-cases.ts";

export type { ConformanceCase } from "./case.ts";
export { check, ConformanceFailure } from "./check.ts";

export const conformanceCases: readonly ConformanceCase[] = [
  ...fsCases,
  ...netCases,
  ...httpCases,
  ...timeCases,
  ...randomCases,
  ...processCases,
];

export const caseTimeoutMsDefault = 30_000;

/**
 * Runs one case on a real host: a fresh scratch directory from rt.fs.makeTempDir (removed
 * afterwards) and a timeout of the case's timeoutMs.
 */
export async function runConformanceCase(rt: Runtime, testCase: ConformanceCase): Promise<void> {
  const scratchDir = await rt.fs.makeTempDir("tributary-conformance-");
  const timeoutMs = testCase.timeoutMs ?? caseTimeoutMsDefault;
  let timer: { cancel(): void } | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = rt.timers.setTimeout(
      () => reject(new ConformanceFailure(`${testCase.name}: no result within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    await Promise.race([testCase.run(rt, scratchDir), timeout]);
  } finally {
    timer?.cancel();
    await rt.fs.remove(scratchDir, { recursive: true });
  }
}
