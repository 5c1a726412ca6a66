// The runtime conformance suite under `deno test`:
//   node_modules/.bin/deno test -A runtime/conformance/deno_test.ts
import type { Runtime } from "../types.ts";
import { loadRuntime } from "../load.ts";
import { check, conformanceCases, runConformanceCase } from "./mod.ts";

// Node's tsc checks this file too, without Deno's types: declare just what is used here.
interface DenoTestApi {
  test(definition: { name: string; fn: () => Promise<void> }): void;
}
const deno = (globalThis as unknown as { Deno: DenoTestApi }).Deno;

const rt: Runtime = await loadRuntime();
check(rt.name === "deno", `loadRuntime() picked ${rt.name} under Deno`);

for (const testCase of conformanceCases) {
  deno.test({ name: testCase.name, fn: () => runConformanceCase(rt, testCase) });
}
