// The `tributary` executable: a composition root, so it may load the host's Runtime.
// Node runs the build (dist/main.js imports dist/src/main.js); Deno and Bun run this file.

import { loadRuntime } from "../runtime/load.ts";
import { runCli } from "./cli/run.ts";

const rt = await loadRuntime();
const host = rt.process;
const code = await runCli(rt, host.args);
host.exit(code);
