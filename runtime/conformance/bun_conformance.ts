// The runtime conformance suite under `bun test`:
//   node_modules/.bin/bun test ./runtime/conformance/bun_conformance.ts
// The name lacks ".test." on purpose: vitest collects runtime/**/*.test.ts, and bun test runs a
// file of any name when given its path starting with "./".
import type { Runtime } from "../types.ts";
import { loadRuntime } from "../load.ts";
import { caseTimeoutMsDefault, check, conformanceCases, runConformanceCase } from "./mod.ts";

// Node's tsc checks this file too, where "bun:test" does not resolve: load it through a
// variable and declare just what is used here.
interface BunTestApi {
  test(name: string, fn: () => Promise<void>, timeoutMs: number): void;
}
const bunTest = "bun:test";
const { test } = (await import(bunTest)) as BunTestApi;

const rt: Runtime = await loadRuntime();
check(rt.name === "bun", `loadRuntime() picked ${rt.name} under Bun`);

for (const testCase of conformanceCases) {
  const timeoutMs = (testCase.timeoutMs ?? caseTimeoutMsDefault) + 5_000;
  test(testCase.name, () => runConformanceCase(rt, testCase), timeoutMs);
}
