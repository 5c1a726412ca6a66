// `tributary cluster describe | elect-leaders [--topic T [--partition P]]`. Tables for people
// by default, --json for scripts.

import type { ClusterDescription, ElectLeadersResult } from "../client/admin.ts";
import {
  boolFlag,
  expectPositionals,
  intFlag,
  type ParsedArgs,
  stringFlag,
  UsageError,
} from "../args/args.ts";
import { type AdminAction, runAdminCommand } from "./admin-command.ts";
import { clientFlagSpecs, type CliRuntime, io } from "./client-flags.ts";
import { printJson } from "./output.ts";
import { formatTable } from "./table.ts";

const specs = {
  ...clientFlagSpecs,
  json: { type: "boolean" },
  topic: { type: "string" },
  partition: { type: "integer" },
} as const;

const ELECT_USAGE = "tributary cluster elect-leaders [--topic T [--partition P]] [--json]";

export function clusterCommand(rt: CliRuntime, argv: readonly string[]): Promise<void> {
  return runAdminCommand(rt, argv, { name: "cluster", specs, actions });
}

const actions: Record<string, AdminAction> = {
  describe: async ({ rt, admin, args, sub }) => {
    expectPositionals(sub, [], "tributary cluster describe [--json]");
    const cluster = await admin.describeCluster();
    if (boolFlag(args, "json")) return printJson(rt.process, cluster);
    await io(rt).writeStdout(describeClusterText(cluster));
  },
  "elect-leaders": async ({ rt, admin, args, sub }) => {
    expectPositionals(sub, [], ELECT_USAGE);
    const results = await admin.electLeaders(targetsOf(args));
    if (boolFlag(args, "json")) return printJson(rt.process, results);
    await io(rt).writeStdout(electLeadersText(results));
  },
};

function targetsOf(args: ParsedArgs): { topic: string; partition?: number }[] | undefined {
  const topic = stringFlag(args, "topic");
  const partition = intFlag(args, "partition");
  if (topic === undefined) {
    if (partition !== undefined) throw new UsageError(`--partition needs --topic; ${ELECT_USAGE}`);
    return undefined;
  }
  if (partition !== undefined && partition < 0) {
    throw new UsageError(`--partition must not be negative, got ${partition}`);
  }
  return [partition === undefined ? { topic } : { topic, partition }];
}

export function describeClusterText(cluster: ClusterDescription): string {
  const rows = cluster.brokers.map((b) => [b.id, b.host, b.port, b.httpPort, b.rack, b.state]);
  const fenced = cluster.brokers.filter((b) => b.state !== "running").length;
  return `Cluster ${cluster.clusterId}: controller ${cluster.controllerId}, ` +
    `${cluster.brokers.length} broker${cluster.brokers.length === 1 ? "" : "s"}` +
    `${fenced === 0 ? "" : ` (${fenced} fenced)`}\n\n` +
    formatTable(["BROKER", "HOST", "PORT", "HTTP-PORT", "RACK", "STATE"], rows);
}

export function electLeadersText(results: readonly ElectLeadersResult[]): string {
  const rows = results.map((r) => [r.topic, r.partition, r.leader, r.outcome]);
  return formatTable(["TOPIC", "PARTITION", "LEADER", "OUTCOME"], rows);
}
