// Flags every client command shares, and how the CLI builds its clients from them.

import type { HostProcess, Runtime } from "../../runtime/types.ts";
import { defaultBootstrap } from "../client/bootstrap.ts";
import type { ClusterOptions } from "../client/cluster.ts";
import { type FlagSpecs, type ParsedArgs, stringFlag } from "../args/args.ts";

export const clientFlagSpecs: FlagSpecs = {
  bootstrap: { type: "string" },
  "request-timeout-ms": { type: "integer" },
};

export function clusterOptionsOf(args: ParsedArgs): ClusterOptions {
  const timeout = args.flags["request-timeout-ms"];
  return {
    bootstrap: stringFlag(args, "bootstrap") ?? defaultBootstrap,
    clientId: "tributary-cli",
    requestTimeoutMs: typeof timeout === "number" && timeout > 0 ? timeout : 15_000,
  };
}

export type CliRuntime = Runtime;

/** The host's standard streams, arguments and signals. */
export function io(rt: CliRuntime): HostProcess {
  return rt.process;
}
