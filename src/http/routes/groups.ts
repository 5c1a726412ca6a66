// Consumer groups over HTTP (docs/http.md, "Consumer groups"): members join, read records from
// their assigned partitions, heartbeat, commit and leave; groups are listed and described.
// Membership and positions live in the broker (src/coordinator), not in the HTTP connection.

import type { Context, Hono } from "hono";
import type { GroupServiceApi } from "../../coordinator/types.ts";
import {
  AUTO_OFFSET_RESETS,
  type AutoOffsetReset,
  type HttpMembers,
  type HttpMemberView,
  type PolledPartition,
} from "../../coordinator/http-members.ts";
import { TributaryError } from "../../model/errors.ts";
import type { Assignment, OffsetToCommit } from "../../group/mod.ts";
import { readBody } from "../codec.ts";
import { recordsFromBatches } from "../records-out.ts";
import type { HttpDeps } from "../reply.ts";
import { reply, requestSignal } from "../reply.ts";
import {
  invalid,
  isPlainObject,
  type JsonObject,
  optionalInteger,
  parseEnumParam,
  pathParam,
  rejectUnknownFields,
  requireInteger,
  requireObject,
  requireString,
} from "../validate.ts";
import { fetchLimitsParam, outputEncodingParam } from "./records.ts";

export interface GroupRouteDeps {
  groups: GroupServiceApi | undefined;
  httpMembers: HttpMembers | undefined;
}

const TOPICS_MAX = 1_000;
const OFFSETS_MAX = 10_000;
const INT32_MAX = 0x7fff_ffff;
const SAFE = Number.MAX_SAFE_INTEGER;
const JOIN_FIELDS = [
  "topics",
  "sessionTimeoutMs",
  "rebalanceTimeoutMs",
  "instanceId",
  "autoOffsetReset",
  "clientId",
  "assignor",
];

export function registerGroupRoutes(app: Hono, deps: HttpDeps, groupDeps: GroupRouteDeps): void {
  const groups = () => need(groupDeps.groups);
  const members = () => need(groupDeps.httpMembers);

  app.get("/v1/groups", (c) => {
    const list = groups().listGroups().map((g) => ({
      group: g.groupId,
      state: g.state,
      members: g.memberCount,
    }));
    return reply(c, { groups: list });
  });

  app.get("/v1/groups/:group", (c) => {
    const g = groups().describeGroup(pathParam(c.req.param(), "group"));
    return reply(c, {
      group: g.groupId,
      state: g.state,
      epoch: g.epoch,
      assignor: g.assignor,
      members: g.members.map((m) => ({
        memberId: m.memberId,
        instanceId: m.instanceId,
        clientId: m.clientId,
        memberEpoch: m.memberEpoch,
        state: m.state,
        assignment: flat(m.assignment),
      })),
    });
  });

  app.post("/v1/groups/:group/members", async (c) => {
    const body = requireObject(await readBody(c.req.raw, deps.bodyBytesMax), "body");
    rejectUnknownFields(body, JOIN_FIELDS, "body");
    const joined = await members().join({ groupId: groupParam(c), ...joinFields(body) });
    return reply(c, memberBody(joined), 201);
  });

  app.get("/v1/groups/:group/members/:member/records", (c) => pollRecords(c, deps, members()));

  app.post("/v1/groups/:group/members/:member/heartbeat", async (c) => {
    const view = await members().heartbeat(groupParam(c), memberParam(c));
    return reply(c, { memberEpoch: view.memberEpoch, assignment: flat(view.assignment) });
  });

  app.delete("/v1/groups/:group/members/:member", async (c) => {
    await members().leave(groupParam(c), memberParam(c));
    return c.body(null, 204);
  });

  app.post("/v1/groups/:group/offsets", async (c) => {
    const groupId = groupParam(c);
    const body = requireObject(await readBody(c.req.raw, deps.bodyBytesMax), "body");
    rejectUnknownFields(body, ["memberId", "memberEpoch", "offsets"], "body");
    const memberId = body.memberId === undefined ? "" : requireString(body.memberId, "memberId");
    const memberEpoch = commitEpoch(body, groupId, memberId, groupDeps.httpMembers);
    await groups().commitOffsets({ groupId, memberId, memberEpoch, offsets: offsetsOf(body) });
    return c.body(null, 204);
  });

  app.get("/v1/groups/:group/offsets", async (c) => {
    const topics = c.req.queries("topic");
    if (topics !== undefined && topics.length > TOPICS_MAX) {
      throw invalid(`at most ${TOPICS_MAX} topic parameters`);
    }
    const offsets = await groups().fetchOffsets({
      groupId: groupParam(c),
      topics: topics === undefined ? null : topics.map((topic) => ({ topic })),
    });
    return reply(c, {
      offsets: offsets.map((o) => ({
        topic: o.topic,
        partition: o.partition,
        committed: o.offset,
        highWatermark: o.highWatermark,
        lag: o.lag,
      })),
    });
  });
}

async function pollRecords(c: Context, deps: HttpDeps, members: HttpMembers): Promise<Response> {
  const { recordsMax, bytesMax, waitMs } = fetchLimitsParam(c, deps);
  const autoCommit = parseEnumParam(c.req.query("autoCommit"), "autoCommit", [
    "true",
    "false",
  ], "false") === "true";
  const encoding = outputEncodingParam(c);
  const records: unknown[] = [];
  const consume = async (polled: PolledPartition[]) => {
    // Start at a random partition so a small maxRecords does not starve the later ones.
    const start = polled.length === 0 ? 0 : deps.random.int(polled.length);
    const moved: Array<{ topic: string; partition: number; nextOffset: number }> = [];
    for (let i = 0; i < polled.length; i++) {
      const p = polled[(start + i) % polled.length];
      const left = recordsMax - records.length;
      const page = await recordsFromBatches(p.records, p.fromOffset, left, encoding);
      for (const r of page.records) {
        records.push({ topic: p.topic, partition: p.partition, ...r });
      }
      moved.push({ topic: p.topic, partition: p.partition, nextOffset: page.nextOffset });
    }
    return moved;
  };
  const view = await members.poll({
    groupId: groupParam(c),
    memberId: memberParam(c),
    waitMs,
    bytesMax,
    autoCommit,
    signal: requestSignal(c.req.raw, deps),
  }, consume);
  return reply(c, { records, memberEpoch: view.memberEpoch, assignment: flat(view.assignment) });
}

function need<T>(value: T | undefined): T {
  if (value === undefined) {
    throw new TributaryError("COORDINATOR_NOT_AVAILABLE", "this server runs no group coordinator");
  }
  return value;
}

function groupParam(c: Context): string {
  return pathParam(c.req.param(), "group");
}

function memberParam(c: Context): string {
  return pathParam(c.req.param(), "member");
}

function joinFields(body: JsonObject) {
  if (!Array.isArray(body.topics) || body.topics.length === 0 || body.topics.length > TOPICS_MAX) {
    throw invalid(`topics must be a list of 1 to ${TOPICS_MAX} topic names`);
  }
  const topics = body.topics.map((t, i) => requireString(t, `topics[${i}]`));
  const timeout = { min: 0, max: INT32_MAX };
  return {
    topics,
    sessionTimeoutMs: optionalInteger(body.sessionTimeoutMs, "sessionTimeoutMs", timeout) ?? null,
    rebalanceTimeoutMs: optionalInteger(body.rebalanceTimeoutMs, "rebalanceTimeoutMs", timeout) ??
      null,
    instanceId: optionalString(body.instanceId, "instanceId"),
    clientId: optionalString(body.clientId, "clientId"),
    assignor: optionalString(body.assignor, "assignor"),
    autoOffsetReset: autoOffsetResetOf(body.autoOffsetReset),
  };
}

function optionalString(value: unknown, field: string): string | null {
  return value === undefined || value === null ? null : requireString(value, field);
}

function autoOffsetResetOf(value: unknown): AutoOffsetReset | null {
  if (value === undefined || value === null) return null;
  if (typeof value === "string" && (AUTO_OFFSET_RESETS as readonly string[]).includes(value)) {
    return value as AutoOffsetReset;
  }
  throw invalid(`autoOffsetReset must be one of ${AUTO_OFFSET_RESETS.join(", ")}`);
}

/** memberEpoch may be left out by a member this server tracks, and by an admin ("" and -1). */
function commitEpoch(
  body: JsonObject,
  groupId: string,
  memberId: string,
  httpMembers: HttpMembers | undefined,
): number {
  if (body.memberEpoch !== undefined) {
    return requireInteger(body.memberEpoch, "memberEpoch", { min: -1, max: INT32_MAX });
  }
  if (memberId === "") return -1;
  const known = httpMembers?.epochOf(groupId, memberId);
  if (known === undefined) throw invalid("memberEpoch is required for this member");
  return known;
}

function offsetsOf(body: JsonObject): OffsetToCommit[] {
  if (!Array.isArray(body.offsets) || body.offsets.length > OFFSETS_MAX) {
    throw invalid(`offsets must be a list of at most ${OFFSETS_MAX} entries`);
  }
  return body.offsets.map((item, i) => {
    const where = `offsets[${i}]`;
    if (!isPlainObject(item)) throw invalid(`${where} must be an object`);
    rejectUnknownFields(item, ["topic", "partition", "offset", "metadata"], where);
    return {
      topic: requireString(item.topic, `${where}.topic`),
      partition: requireInteger(item.partition, `${where}.partition`, { min: 0, max: INT32_MAX }),
      offset: requireInteger(item.offset, `${where}.offset`, { min: 0, max: SAFE }),
      metadata: optionalString(item.metadata, `${where}.metadata`),
    };
  });
}

function memberBody(view: HttpMemberView): unknown {
  return {
    memberId: view.memberId,
    memberEpoch: view.memberEpoch,
    heartbeatIntervalMs: view.heartbeatIntervalMs,
    assignment: flat(view.assignment),
  };
}

/** Partition sets as the flat [{topic, partition}] lists of the HTTP API. */
function flat(assignment: Assignment): Array<{ topic: string; partition: number }> {
  return assignment.flatMap(({ topic, partitions }) =>
    partitions.map((partition) => ({ topic, partition }))
  );
}
