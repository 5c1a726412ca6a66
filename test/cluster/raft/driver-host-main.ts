// Entry point for Deno and Bun (`deno run -A` / `bun` this file): runs driverHostCheck on the
// host's own runtime and prints its result as the last line of output.
import type { Runtime } from "../../../runtime/types.ts";
import { driverHostCheck } from "./driver-host-check.ts";

const isDeno = "Deno" in globalThis;
// A computed path keeps Node's type check (which excludes these adapters) out of them.
const adapter = isDeno ? "../../../runtime/deno/mod.ts" : "../../../runtime/bun/mod.ts";
const mod = await import(adapter) as Record<string, () => Runtime>;
const host = isDeno ? mod.createDenoRuntime() : mod.createBunRuntime();
console.log(JSON.stringify(await driverHostCheck(host)));
