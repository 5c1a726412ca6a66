// `tributary topics create|list|describe|add-partitions|reassign|delete`. describe prints a table
// for people by default (partitions only), --json for scripts (also the effective configs).

import type { TopicDescription } from "../model/descriptions.ts";
import { type AdminAction, runAdminCommand } from "./admin-command.ts";
import {
  boolFlag,
  expectPositionals,
  intFlag,
  parseInteger,
  parseKeyValues,
  stringFlag,
  stringList,
  UsageError,
} from "../args/args.ts";
import { TributaryError } from "../model/errors.ts";
import { clientFlagSpecs, type CliRuntime, io } from "./client-flags.ts";
import { printJson } from "./output.ts";
import { formatTable } from "./table.ts";

const specs = {
  ...clientFlagSpecs,
  partitions: { type: "integer" },
  "replication-factor": { type: "integer" },
  config: { type: "string", multiple: true },
  json: { type: "boolean" },
  partition: { type: "integer" },
  replicas: { type: "string" },
  cancel: { type: "boolean" },
  "timeout-ms": { type: "integer" },
} as const;

const REASSIGN_USAGE =
  "tributary topics reassign NAME --partition P (--replicas 1,2,3 | --cancel) [--timeout-ms N]";

export function topicsCommand(rt: CliRuntime, argv: readonly string[]): Promise<void> {
  return runAdminCommand(rt, argv, { name: "topics", specs, actions });
}

const actions: Record<string, AdminAction> = {
  create: async ({ rt, admin, args, sub }) => {
    const [name] = expectPositionals(
      sub,
      ["NAME"],
      "tributary topics create NAME [--partitions N] [--replication-factor N] [--config k=v ...]",
    );
    const configs = parseKeyValues(stringList(args, "config"), "--config");
    const partitions = intFlag(args, "partitions");
    const replicationFactor = intFlag(args, "replication-factor");
    await admin.createTopic(name, {
      configs,
      ...(partitions !== undefined ? { partitions } : {}),
      ...(replicationFactor !== undefined ? { replicationFactor } : {}),
    });
    await io(rt).writeStdout(`Created topic ${name}.\n`);
  },
  list: async ({ rt, admin, sub }) => {
    expectPositionals(sub, [], "tributary topics list");
    const topics = await admin.listTopics();
    const names = topics.map((t) => t.name).sort();
    await io(rt).writeStdout(names.map((n) => `${n}\n`).join(""));
  },
  describe: async ({ rt, admin, args, sub }) => {
    const [name] = expectPositionals(sub, ["NAME"], "tributary topics describe NAME [--json]");
    const topic = await admin.describeTopic(name);
    if (boolFlag(args, "json")) return printJson(rt.process, topic);
    await io(rt).writeStdout(describeTopicText(topic));
  },
  "add-partitions": async ({ rt, admin, args, sub }) => {
    const usage = "tributary topics add-partitions NAME --partitions N";
    const [name] = expectPositionals(sub, ["NAME"], usage);
    const count = intFlag(args, "partitions");
    if (count === undefined) throw new UsageError(`missing --partitions; usage: ${usage}`);
    if (count < 1) throw new UsageError(`--partitions must be at least 1, got ${count}`);
    await admin.createPartitions(name, count);
    await io(rt).writeStdout(`Topic ${name} now has ${count} partitions.\n`);
  },
  reassign: async ({ rt, admin, args, sub }) => {
    const [name] = expectPositionals(sub, ["NAME"], REASSIGN_USAGE);
    const partition = intFlag(args, "partition");
    if (partition === undefined) {
      throw new UsageError(`missing --partition; usage: ${REASSIGN_USAGE}`);
    }
    if (partition < 0) throw new UsageError(`--partition must be at least 0, got ${partition}`);
    const replicas = replicaList(stringFlag(args, "replicas"), boolFlag(args, "cancel"));
    const timeoutMs = intFlag(args, "timeout-ms");
    if (timeoutMs !== undefined && timeoutMs < 0) {
      throw new UsageError(`--timeout-ms must be at least 0, got ${timeoutMs}`);
    }
    const r = await admin.reassignPartitions(
      name,
      partition,
      replicas,
      timeoutMs === undefined ? {} : { timeoutMs },
    );
    const state = `replicas ${r.replicas.join(",")}, isr ${r.isr.join(",")}, leader ` +
      `${r.leader < 0 ? "none" : r.leader}`;
    if (!r.completed) {
      throw new TributaryError(
        "REQUEST_TIMED_OUT",
        `reassignment of ${name}-${partition} is still in progress (${state}); it carries on`,
      );
    }
    const what = replicas === null ? "Cancelled any reassignment of" : "Reassigned";
    await io(rt).writeStdout(`${what} ${name}-${partition}: ${state}.\n`);
  },
  delete: async ({ rt, admin, sub }) => {
    const [name] = expectPositionals(sub, ["NAME"], "tributary topics delete NAME");
    await admin.deleteTopic(name);
    await io(rt).writeStdout(`Deleted topic ${name}.\n`);
  },
};

/** --replicas "1,2,3" (distinct broker ids) or --cancel (null), exactly one of them. */
function replicaList(raw: string | undefined, cancel: boolean): number[] | null {
  if (cancel) {
    if (raw !== undefined) throw new UsageError("give --replicas or --cancel, not both");
    return null;
  }
  if (raw === undefined) throw new UsageError(`missing --replicas; usage: ${REASSIGN_USAGE}`);
  const ids = raw.split(",").map((x) => parseInteger("replicas", x.trim()));
  if (ids.some((b) => b < 0)) throw new UsageError(`--replicas are broker ids (>= 0): ${raw}`);
  if (new Set(ids).size !== ids.length) {
    throw new UsageError(`--replicas names a broker twice: ${raw}`);
  }
  return ids;
}

export function describeTopicText(topic: TopicDescription): string {
  const rows = topic.partitions.map((p) => [
    p.partition,
    p.leader < 0 ? "none" : p.leader,
    p.leaderEpoch,
    p.replicas.join(","),
    p.isr.join(","),
    p.logStartOffset,
    p.highWatermark,
    p.offlineReason ?? null,
  ]);
  const count = topic.partitions.length;
  // As Kafka's --under-replicated-partitions and --unavailable-partitions would count them.
  const under = topic.partitions.filter((p) => p.isr.length < p.replicas.length).length;
  const offline = topic.partitions.filter((p) => p.leader < 0).length;
  const health = [
    ...(under === 0 ? [] : [`${under} under-replicated`]),
    ...(offline === 0 ? [] : [`${offline} without a leader`]),
  ];
  return `Topic ${topic.name}${topic.internal ? " (internal)" : ""}: ${count} partition` +
    `${count === 1 ? "" : "s"}, replication factor ${topic.partitions[0]?.replicas.length ?? 0}` +
    `${health.length === 0 ? "" : ` (${health.join(", ")})`}\n` +
    "\n" +
    formatTable(
      ["PARTITION", "LEADER", "EPOCH", "REPLICAS", "ISR", "LOG-START", "HIGH-WATERMARK", "OFFLINE"],
      rows,
    );
}
