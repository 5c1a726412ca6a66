// The runtime conformance suite against the Node adapter.
import { describe, it } from "vitest";
import { createNodeRuntime } from "../../runtime/node/mod.ts";
import {
  caseTimeoutMsDefault,
  conformanceCases,
  runConformanceCase,
} from "../../runtime/conformance/mod.ts";

describe("node runtime conformance", () => {
  const rt = createNodeRuntime();
  for (const testCase of conformanceCases) {
    const timeoutMs = (testCase.timeoutMs ?? caseTimeoutMsDefault) + 5_000;
    it(testCase.name, () => runConformanceCase(rt, testCase), timeoutMs);
  }
});
