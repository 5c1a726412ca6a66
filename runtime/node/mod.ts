// The Runtime on Node 20+.
//
// Type-check: npx tsc -p tsconfig.json --noEmit (the project config covers this folder).
import type { Runtime } from "../types.ts";
import { createHostClock } from "../host/clock.ts";
import { createHostRandom } from "../host/random.ts";
import { createHostTimers } from "../host/timers.ts";
import { createNodeFs } from "./fs.ts";
import { createNodeHttp } from "./http.ts";
import { createNodeNet } from "./net.ts";
import { createNodeProcess } from "./process.ts";

export function createNodeRuntime(): Runtime {
  return {
    name: "node",
    fs: createNodeFs(),
    net: createNodeNet(),
    http: createNodeHttp(),
    clock: createHostClock(),
    timers: createHostTimers(),
    random: createHostRandom(),
    process: createNodeProcess(),
  };
}
