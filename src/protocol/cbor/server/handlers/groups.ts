// Handlers of the consumer-group operations: validated wire bodies in, GroupServiceApi calls,
// wire bodies out (spelled out field by field: the wire contract is ops/ and the docs).
// A broker without a coordinator service answers COORDINATOR_NOT_AVAILABLE.

import type { GroupServiceApi } from "../../../../coordinator/types.ts";
import { TributaryError } from "../../../../model/errors.ts";
import type { GroupDescription, MemberDescription } from "../../../../group/mod.ts";
import type { OpName } from "../../op-codes.ts";
import type { GroupDescriptionWire, MemberDescriptionWire } from "../../ops/describe-groups.ts";
import type { TopicPartitionsWire } from "../../ops/group-shapes.ts";
import type { RequestBody, ResponseBody } from "../../ops/index.ts";
import { toWireError } from "../../wire-error.ts";
import type { HandlerContext } from "./context.ts";

type GroupHandler<K extends OpName> = (
  ctx: HandlerContext,
  body: RequestBody<K>,
) => Promise<ResponseBody<K>>;

/** The leader of the group's `__consumer_offsets` partition, from this broker's metadata. */
export const findCoordinator: GroupHandler<"FindCoordinator"> = (ctx, body) => {
  const { coordinator, offsetsPartition } = service(ctx).coordinatorOf(body.groupId);
  return Promise.resolve({ coordinator, offsetsPartition });
};

export const consumerGroupHeartbeat: GroupHandler<"ConsumerGroupHeartbeat"> = async (ctx, body) => {
  const r = await service(ctx).heartbeat(body);
  return {
    memberId: r.memberId,
    memberEpoch: r.memberEpoch,
    heartbeatIntervalMs: r.heartbeatIntervalMs,
    assignment: partitionsWire(r.assignment),
  };
};

export const leaveGroup: GroupHandler<"LeaveGroup"> = async (ctx, body) => {
  await service(ctx).leave({
    groupId: body.groupId,
    memberId: body.memberId,
    instanceId: body.instanceId ?? null,
    staticLeave: body.staticLeave === true,
  });
  return {};
};

export const offsetCommit: GroupHandler<"OffsetCommit"> = async (ctx, body) => {
  await service(ctx).commitOffsets(body);
  return {};
};

export const offsetFetch: GroupHandler<"OffsetFetch"> = async (ctx, body) => {
  const offsets = await service(ctx).fetchOffsets(body);
  return {
    offsets: offsets.map((o) => ({
      topic: o.topic,
      partition: o.partition,
      offset: o.offset,
      leaderEpoch: o.leaderEpoch,
      metadata: o.metadata,
      commitTimestampMs: o.commitTimestampMs,
      highWatermark: o.highWatermark,
      lag: o.lag,
    })),
  };
};

export const listGroups: GroupHandler<"ListGroups"> = (ctx) => {
  const groups = service(ctx).listGroups().map((g) => ({
    groupId: g.groupId,
    state: g.state,
    epoch: g.epoch,
    assignor: g.assignor,
    memberCount: g.memberCount,
  }));
  return Promise.resolve({ groups });
};

export const describeGroups: GroupHandler<"DescribeGroups"> = (ctx, body) => {
  const groups = service(ctx);
  return Promise.resolve({
    groups: body.groupIds.map((groupId) => {
      try {
        return { groupId, error: null, group: groupWire(groups.describeGroup(groupId)) };
      } catch (err) {
        return { groupId, error: toWireError(err), group: null };
      }
    }),
  });
};

export const resetOffsets: GroupHandler<"ResetOffsets"> = async (ctx, body) => {
  const offsets = await service(ctx).resetOffsets(body);
  return {
    offsets: offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: o.offset })),
  };
};

export const deleteGroups: GroupHandler<"DeleteGroups"> = async (ctx, body) => {
  const groups = service(ctx);
  const results: ResponseBody<"DeleteGroups">["groups"] = [];
  for (const groupId of body.groupIds) {
    try {
      await groups.deleteGroup(groupId);
      results.push({ groupId, error: null });
    } catch (err) {
      results.push({ groupId, error: toWireError(err) });
    }
  }
  return { groups: results };
};

function service(ctx: HandlerContext): GroupServiceApi {
  if (ctx.groups === undefined) {
    throw new TributaryError("COORDINATOR_NOT_AVAILABLE", "this broker runs no group coordinator");
  }
  return ctx.groups;
}

function partitionsWire(list: readonly TopicPartitionsWire[]): TopicPartitionsWire[] {
  return list.map((e) => ({ topic: e.topic, partitions: [...e.partitions] }));
}

function groupWire(g: GroupDescription): GroupDescriptionWire {
  return {
    groupId: g.groupId,
    state: g.state,
    epoch: g.epoch,
    assignor: g.assignor,
    members: g.members.map(memberWire),
  };
}

function memberWire(m: MemberDescription): MemberDescriptionWire {
  return {
    memberId: m.memberId,
    instanceId: m.instanceId,
    clientId: m.clientId,
    state: m.state,
    memberEpoch: m.memberEpoch,
    subscribedTopics: [...m.subscribedTopics],
    sessionTimeoutMs: m.sessionTimeoutMs,
    rebalanceTimeoutMs: m.rebalanceTimeoutMs,
    assignment: partitionsWire(m.assignment),
    pendingRevocation: partitionsWire(m.pendingRevocation),
    targetAssignment: partitionsWire(m.targetAssignment),
  };
}
