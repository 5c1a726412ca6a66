// Picks the Runtime adapter for the host this code runs on. The composition roots (src/main.ts,
// src/index.ts) call it; nothing else should.
import type { Runtime } from "./types.ts";

// Held in variables so tsc neither follows nor rewrites them: the Deno and Bun adapters are
// type-checked by their own hosts, and those hosts run the .ts sources directly.
const denoAdapter = "./deno/mod.ts";
const bunAdapter = "./bun/mod.ts";

export async function loadRuntime(): Promise<Runtime> {
  const host = globalThis as { Deno?: unknown; Bun?: unknown };
  if (host.Deno !== undefined) {
    const mod = (await import(denoAdapter)) as { createDenoRuntime(): Runtime };
    return mod.createDenoRuntime();
  }
  if (host.Bun !== undefined) {
    const mod = (await import(bunAdapter)) as { createBunRuntime(): Runtime };
    return mod.createBunRuntime();
  }
  const { createNodeRuntime } = await import("./node/mod.ts");
  return createNodeRuntime();
}
