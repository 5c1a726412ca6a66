// Arguments, environment, standard streams and signals on Bun: its `process` object, as on
// Node, plus Bun.stdin for a web stream.
import type { HostProcess } from "../types.ts";
import { processOverNodeGlobal } from "../node/process-global.ts";

export function createBunProcess(): HostProcess {
  return processOverNodeGlobal({ stdin: () => Bun.stdin.stream(), version: Bun.version });
}
