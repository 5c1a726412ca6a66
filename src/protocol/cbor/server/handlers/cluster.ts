// Handlers of the cluster operations: the replica ops call the ReplicaService, the controller
// ops the ControllerService (src/model/cluster.ts), both from the handler context. A node
// without the service answers the typed error a Kafka peer expects (NOT_LEADER_OR_FOLLOWER,
// NOT_CONTROLLER), so the caller looks elsewhere instead of failing.
//
// Record bytes (replica fetch, metadata records) pass through untouched. Per-item errors come
// from the services as {code, message} and get their retriability here.

import type { ControllerService, ReplicaService } from "../../../../model/cluster.ts";
import { TributaryError } from "../../../../model/errors.ts";
import type { WireError } from "../../envelope.ts";
import type { RequestBody, ResponseBody } from "../../ops/index.ts";
import { wireErrorOf } from "../../wire-error.ts";
import type { HandlerContext } from "./context.ts";

/** Room kept in a ReplicaFetch response frame for everything around the record bytes. */
const REPLICA_FETCH_RESPONSE_ROOM_BYTES = 64 * 1024;
/** Per partition, beside its records: names, offsets, CBOR heads. */
const REPLICA_FETCH_PARTITION_OVERHEAD_BYTES = 128;

function replication(ctx: HandlerContext): ReplicaService {
  if (ctx.replication === undefined) {
    throw new TributaryError(
      "NOT_LEADER_OR_FOLLOWER",
      "this broker runs no replica manager (it is not part of a cluster)",
    );
  }
  return ctx.replication;
}

function controller(ctx: HandlerContext): ControllerService {
  if (ctx.controller === undefined) {
    throw new TributaryError("NOT_CONTROLLER", "this node is not a controller");
  }
  return ctx.controller;
}

function itemError(error: { code: string; message: string } | null): WireError | null {
  return error === null ? null : wireErrorOf(error.code, error.message);
}

export async function replicaFetch(
  ctx: HandlerContext,
  body: RequestBody<"ReplicaFetch">,
): Promise<ResponseBody<"ReplicaFetch">> {
  const service = replication(ctx);
  // The answer must fit one frame the follower accepts: maxBytes is trimmed to it, and it is the
  // budget the connection reserved for this request (responseBytesEstimate).
  const room = REPLICA_FETCH_RESPONSE_ROOM_BYTES +
    body.partitions.length * REPLICA_FETCH_PARTITION_OVERHEAD_BYTES;
  const bytesCap = Math.max(1, ctx.frameBytesMax - room);
  const reply = await service.replicaFetch({
    ...body,
    minBytes: Math.min(body.minBytes, bytesCap),
    maxBytes: Math.min(body.maxBytes, bytesCap),
  });
  let recordBytes = 0;
  for (const p of reply.partitions) recordBytes += p.records.byteLength;
  if (recordBytes > bytesCap) {
    // A service that ignored maxBytes: refuse rather than send a frame the follower rejects.
    throw new TributaryError(
      "UNKNOWN_SERVER_ERROR",
      `replica fetch answer of ${recordBytes} record bytes exceeds maxBytes ${bytesCap}`,
    );
  }
  return {
    partitions: reply.partitions.map((p) => ({
      topic: p.topic,
      partition: p.partition,
      error: itemError(p.error),
      highWatermark: p.highWatermark,
      logStartOffset: p.logStartOffset,
      logEndOffset: p.logEndOffset,
      records: p.records,
    })),
  };
}

export async function offsetForLeaderEpoch(
  ctx: HandlerContext,
  body: RequestBody<"OffsetForLeaderEpoch">,
): Promise<ResponseBody<"OffsetForLeaderEpoch">> {
  const reply = await replication(ctx).epochEnd(body);
  return {
    partitions: reply.partitions.map((p) => ({
      topic: p.topic,
      partition: p.partition,
      error: itemError(p.error),
      leaderEpoch: p.leaderEpoch,
      endOffset: p.endOffset,
    })),
  };
}

export async function brokerRegistration(
  ctx: HandlerContext,
  body: RequestBody<"BrokerRegistration">,
): Promise<ResponseBody<"BrokerRegistration">> {
  const reply = await controller(ctx).registerBroker(body);
  return { registeredAtOffset: reply.registeredAtOffset };
}

export async function brokerHeartbeat(
  ctx: HandlerContext,
  body: RequestBody<"BrokerHeartbeat">,
): Promise<ResponseBody<"BrokerHeartbeat">> {
  const reply = await controller(ctx).brokerHeartbeat(body);
  return { fenced: reply.fenced, caughtUp: reply.caughtUp, shutdownReady: reply.shutdownReady };
}

export async function metadataFetch(
  ctx: HandlerContext,
  body: RequestBody<"MetadataFetch">,
): Promise<ResponseBody<"MetadataFetch">> {
  const bytesCap = Math.max(1, ctx.frameBytesMax - REPLICA_FETCH_RESPONSE_ROOM_BYTES);
  const reply = await controller(ctx).fetchMetadata({
    ...body,
    maxBytes: Math.min(body.maxBytes, bytesCap),
  });
  return {
    epoch: reply.epoch,
    committedOffset: reply.committedOffset,
    snapshot: reply.snapshot === null ? null : {
      offset: reply.snapshot.offset,
      epoch: reply.snapshot.epoch,
      records: reply.snapshot.records,
    },
    batches: reply.batches.map((b) => ({
      lastOffset: b.lastOffset,
      epoch: b.epoch,
      records: b.records,
    })),
  };
}

export async function alterPartition(
  ctx: HandlerContext,
  body: RequestBody<"AlterPartition">,
): Promise<ResponseBody<"AlterPartition">> {
  const reply = await controller(ctx).alterPartition(body);
  return {
    partitions: reply.partitions.map((p) => ({
      topicId: p.topicId,
      partition: p.partition,
      error: itemError(p.error),
      state: p.state === null ? null : {
        leader: p.state.leader,
        leaderEpoch: p.state.leaderEpoch,
        partitionEpoch: p.state.partitionEpoch,
        replicas: [...p.state.replicas],
        isr: [...p.state.isr],
      },
    })),
  };
}

export async function controllerCreateTopics(
  ctx: HandlerContext,
  body: RequestBody<"ControllerCreateTopics">,
): Promise<ResponseBody<"ControllerCreateTopics">> {
  const reply = await controller(ctx).createTopics(body);
  return {
    topics: reply.topics.map((t) => ({
      name: t.name,
      error: itemError(t.error),
      topicId: t.topicId,
    })),
    committedOffset: reply.committedOffset,
  };
}

export async function controllerDeleteTopics(
  ctx: HandlerContext,
  body: RequestBody<"ControllerDeleteTopics">,
): Promise<ResponseBody<"ControllerDeleteTopics">> {
  const reply = await controller(ctx).deleteTopics(body);
  return {
    topics: reply.topics.map((t) => ({ name: t.name, error: itemError(t.error) })),
    committedOffset: reply.committedOffset,
  };
}

export async function controllerCreatePartitions(
  ctx: HandlerContext,
  body: RequestBody<"ControllerCreatePartitions">,
): Promise<ResponseBody<"ControllerCreatePartitions">> {
  const reply = await controller(ctx).createPartitions(body);
  return { committedOffset: reply.committedOffset };
}

export async function controllerAlterConfigs(
  ctx: HandlerContext,
  body: RequestBody<"ControllerAlterConfigs">,
): Promise<ResponseBody<"ControllerAlterConfigs">> {
  const reply = await controller(ctx).alterTopicConfigs(body);
  return { committedOffset: reply.committedOffset };
}

export async function allocateProducerIds(
  ctx: HandlerContext,
  body: RequestBody<"AllocateProducerIds">,
): Promise<ResponseBody<"AllocateProducerIds">> {
  const reply = await controller(ctx).allocateProducerIds(body);
  return { start: reply.start, committedOffset: reply.committedOffset };
}

export async function electLeaders(
  ctx: HandlerContext,
  body: RequestBody<"ElectLeaders">,
): Promise<ResponseBody<"ElectLeaders">> {
  const reply = await controller(ctx).electLeaders(body);
  return { committedOffset: reply.committedOffset };
}

export function controllerReassignPartitions(
  ctx: HandlerContext,
  body: RequestBody<"ControllerReassignPartitions">,
): Promise<ResponseBody<"ControllerReassignPartitions">> {
  return controller(ctx).reassignPartitions(body);
}

/** One-way: never answered. Thrown errors are dropped and counted by the connection. */
export function raftMessage(ctx: HandlerContext, body: RequestBody<"RaftMessage">): Promise<null> {
  controller(ctx).receiveRaft(body);
  return Promise.resolve(null);
}
