// The Runtime on Deno 2.
//
// Type-check: node_modules/.bin/deno check runtime/deno/mod.ts
// (Node's tsc skips this folder: tsconfig.json excludes it, and runtime/load.ts imports it
// through a non-literal specifier.)
import type { Runtime } from "../types.ts";
import { createHostClock } from "../host/clock.ts";
import { createHostRandom } from "../host/random.ts";
import { createHostTimers } from "../host/timers.ts";
import { createDenoFs } from "./fs.ts";
import { createDenoHttp } from "./http.ts";
import { createDenoNet } from "./net.ts";
import { createDenoProcess } from "./process.ts";

export function createDenoRuntime(): Runtime {
  return {
    name: "deno",
    fs: createDenoFs(),
    net: createDenoNet(),
    http: createDenoHttp(),
    clock: createHostClock(),
    timers: createHostTimers(),
    random: createHostRandom(),
    process: createDenoProcess(),
  };
}
