// The Runtime on Bun.
//
// Type-check: npx tsc -p runtime/bun/tsconfig.json
// (bun-types for this folder only; the project tsconfig.json excludes it, and runtime/load.ts
// imports it through a non-literal specifier.)
import type { Runtime } from "../types.ts";
import { createHostClock } from "../host/clock.ts";
import { createHostRandom } from "../host/random.ts";
import { createHostTimers } from "../host/timers.ts";
import { createBunFs } from "./fs.ts";
import { createBunHttp } from "./http.ts";
import { createBunNet } from "./net.ts";
import { createBunProcess } from "./process.ts";

export function createBunRuntime(): Runtime {
  return {
    name: "bun",
    fs: createBunFs(),
    net: createBunNet(),
    http: createBunHttp(),
    clock: createHostClock(),
    timers: createHostTimers(),
    random: createHostRandom(),
    process: createBunProcess(),
  };
}
