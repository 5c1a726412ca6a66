// `tributary groups list | describe G | reset-offsets G --topic T --to-... | delete G`.
// Tables for people by default, --json for scripts.

import type { Admin } from "../client/admin.ts";
import type { GroupDescription, GroupOffset, ResetOffsetsSpec } from "../client/group-admin.ts";
import {
  boolFlag,
  expectPositionals,
  intFlag,
  type ParsedArgs,
  stringFlag,
  stringList,
  UsageError,
} from "../args/args.ts";
import { type AdminAction, runAdminCommand } from "./admin-command.ts";
import { clientFlagSpecs, type CliRuntime, io } from "./client-flags.ts";
import { printJson } from "./output.ts";
import { formatTable } from "./table.ts";

const specs = {
  ...clientFlagSpecs,
  json: { type: "boolean" },
  topic: { type: "string", multiple: true },
  partition: { type: "integer", multiple: true },
  "to-earliest": { type: "boolean" },
  "to-latest": { type: "boolean" },
  "to-offset": { type: "integer" },
  "to-datetime": { type: "string" },
  "dry-run": { type: "boolean" },
} as const;

const RESET_USAGE = "tributary groups reset-offsets GROUP --topic T " +
  "(--to-earliest | --to-latest | --to-offset N | --to-datetime ISO8601) [--partition P] [--dry-run]";

export function groupsCommand(rt: CliRuntime, argv: readonly string[]): Promise<void> {
  return runAdminCommand(rt, argv, { name: "groups", specs, actions });
}

const actions: Record<string, AdminAction> = {
  list: ({ rt, admin, args, sub }) => {
    expectPositionals(sub, [], "tributary groups list [--json]");
    return list(rt, admin, args);
  },
  describe: ({ rt, admin, args, sub }) => {
    const [group] = expectPositionals(sub, ["GROUP"], "tributary groups describe GROUP [--json]");
    return describe(rt, admin, group, args);
  },
  "reset-offsets": ({ rt, admin, args, sub }) => {
    const [group] = expectPositionals(sub, ["GROUP"], RESET_USAGE);
    return reset(rt, admin, group, args);
  },
  delete: async ({ rt, admin, sub }) => {
    const [group] = expectPositionals(sub, ["GROUP"], "tributary groups delete GROUP");
    await admin.deleteGroup(group);
    await io(rt).writeStdout(`Deleted group ${group}.\n`);
  },
};

async function list(rt: CliRuntime, admin: Admin, args: ParsedArgs): Promise<void> {
  const groups = await admin.listGroups();
  if (boolFlag(args, "json")) return printJson(rt.process, groups);
  const rows = groups.map((g) => [g.groupId, g.state, g.memberCount, g.epoch, g.assignor]);
  await io(rt).writeStdout(formatTable(["GROUP", "STATE", "MEMBERS", "EPOCH", "ASSIGNOR"], rows));
}

async function describe(
  rt: CliRuntime,
  admin: Admin,
  groupId: string,
  args: ParsedArgs,
): Promise<void> {
  const group = await admin.describeGroup(groupId);
  const committed = await admin.fetchOffsets(groupId);
  // Every partition of every topic the group reads or has committed, committed or not.
  const topics = new Set([
    ...group.members.flatMap((m) => m.subscribedTopics),
    ...committed.map((o) => o.topic),
  ]);
  const offsets = topics.size > 0 ? await admin.fetchOffsets(groupId, [...topics]) : [];
  if (boolFlag(args, "json")) return printJson(rt.process, { ...group, offsets });
  await io(rt).writeStdout(describeText(group, offsets));
}

export function describeText(group: GroupDescription, offsets: readonly GroupOffset[]): string {
  const owner = new Map<string, string>();
  for (const m of group.members) {
    for (const { topic, partitions } of m.assignment) {
      for (const p of partitions) owner.set(`${topic}\u0000${p}`, m.memberId);
    }
  }
  const members = group.members.map((m) => [
    m.memberId,
    m.instanceId,
    m.clientId,
    m.memberEpoch,
    m.state,
    m.assignment.map((t) => `${t.topic}:${t.partitions.join(",")}`).join(" ") || null,
  ]);
  const partitions = offsets.map((o) => [
    o.topic,
    o.partition,
    o.offset,
    o.highWatermark,
    o.lag,
    owner.get(`${o.topic}\u0000${o.partition}`) ?? null,
  ]);
  const count = group.members.length;
  return `Group ${group.groupId}: state ${group.state}, epoch ${group.epoch}, ` +
    `assignor ${group.assignor}, ${count} member${count === 1 ? "" : "s"}\n\n` +
    (count > 0
      ? formatTable(["MEMBER", "INSTANCE", "CLIENT", "EPOCH", "STATE", "ASSIGNED"], members) + "\n"
      : "") +
    formatTable(["TOPIC", "PARTITION", "COMMITTED", "HIGH-WATERMARK", "LAG", "MEMBER"], partitions);
}

async function reset(
  rt: CliRuntime,
  admin: Admin,
  groupId: string,
  args: ParsedArgs,
): Promise<void> {
  const topics = stringList(args, "topic");
  if (topics.length === 0) throw new UsageError(`missing --topic; usage: ${RESET_USAGE}`);
  const partitions = args.flags.partition as number[] | undefined;
  const target = resetTarget(args);
  const specsOut: ResetOffsetsSpec[] = topics.map((topic) => ({
    topic,
    partitions: partitions ?? null,
    ...target,
  }));
  const dryRun = boolFlag(args, "dry-run");
  const offsets = await admin.resetOffsets(groupId, specsOut, { dryRun });
  if (boolFlag(args, "json")) return printJson(rt.process, offsets);
  const rows = offsets.map((o) => [o.topic, o.partition, o.offset]);
  await io(rt).writeStdout(
    formatTable(["TOPIC", "PARTITION", "NEW-OFFSET"], rows) +
      (dryRun ? "(dry run: nothing was committed)\n" : ""),
  );
}

type ResetTarget = Pick<ResetOffsetsSpec, "to" | "offset" | "timestampMs">;

function resetTarget(args: ParsedArgs): ResetTarget {
  const chosen: ResetTarget[] = [];
  if (boolFlag(args, "to-earliest")) chosen.push({ to: "earliest" });
  if (boolFlag(args, "to-latest")) chosen.push({ to: "latest" });
  const offset = intFlag(args, "to-offset");
  if (offset !== undefined) {
    if (offset < 0) throw new UsageError("--to-offset must not be negative");
    chosen.push({ to: "offset", offset });
  }
  const datetime = stringFlag(args, "to-datetime");
  if (datetime !== undefined) {
    chosen.push({ to: "timestamp", timestampMs: parseDatetime(datetime) });
  }
  if (chosen.length !== 1) {
    throw new UsageError(
      `give exactly one of --to-earliest, --to-latest, --to-offset, --to-datetime`,
    );
  }
  return chosen[0];
}

const ISO_8601 = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})?)?$/;

/** ISO 8601 date or date-time (without a zone: local time; a date alone: UTC midnight). */
export function parseDatetime(text: string): number {
  const ms = ISO_8601.test(text) ? Date.parse(text) : NaN;
  if (!Number.isFinite(ms) || ms < 0) {
    throw new UsageError(
      `--to-datetime needs an ISO 8601 date-time such as 2024-05-01T12:00:00Z, got "${text}"`,
    );
  }
  return ms;
}
