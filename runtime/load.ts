// Picks the Runtime adapter for the host this code runs on. The composition roots (src/main.ts,
// src/index.ts) call it; nothing else should.
import type { Runtime } from "./types.ts";

// Held in variables so tsc neither follows nor rewrites them: the Deno and Bun adapters are
// type-checked by their own hosts. Run from the sources they are .ts; in the build (what the
// package ships: Deno refuses to run TypeScript under node_modules) tsconfig.adapters.json
// emits them as .js next to this file.
const extension = import.meta.url.endsWith(".ts") ? ".ts" : ".js";
const denoAdapter = `./deno/mod${extension}`;
const bunAdapter = `./bun/mod${extension}`;

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
