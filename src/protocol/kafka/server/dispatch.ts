// One request frame in, its response frame out (or null: a request that expects none, e.g.
// Produce with acks=0). The API table decides what is served; a version outside it is not
// answered here (the connection closes, as Kafka's does), except ApiVersions, which any
// version may ask (KIP-511): the client then hears our table in the v0 layout and retries.

import { ApiKey } from "../api-table.ts";
import { KafkaError } from "../error-codes.ts";
import { frameOf } from "../frame.ts";
import { type RequestHeader, responseHeaderVersion, writeResponseHeader } from "../header.ts";
import { encodeApiVersionsResponse } from "../messages/api-versions.ts";
import { type ParsedRequest, parseRequest, type UnsupportedRequest } from "../request.ts";
import type { KafkaReader } from "../reader.ts";
import { KafkaWriter } from "../writer.ts";
import type { KafkaContext } from "./context.ts";
import { ADVERTISED, apiVersions } from "./handlers/api-versions.ts";
import { metadata } from "./handlers/metadata.ts";
import { produce } from "./handlers/produce.ts";
import { fetch } from "./handlers/fetch.ts";
import { listOffsets } from "./handlers/list-offsets.ts";
import { createTopics } from "./handlers/create-topics.ts";
import { deleteTopics } from "./handlers/delete-topics.ts";
import { deleteRecords } from "./handlers/delete-records.ts";
import { initProducerId } from "./handlers/init-producer-id.ts";
import { offsetForLeaderEpoch } from "./handlers/offset-for-leader-epoch.ts";
import { describeConfigs } from "./handlers/describe-configs.ts";
import { alterConfigs } from "./handlers/alter-configs.ts";
import { incrementalAlterConfigs } from "./handlers/incremental-alter-configs.ts";
import { createPartitions } from "./handlers/create-partitions.ts";
import { saslHandshake } from "./handlers/sasl-handshake.ts";
import { saslAuthenticate } from "./handlers/sasl-authenticate.ts";
import { findCoordinator } from "./handlers/find-coordinator.ts";
import { offsetCommit } from "./handlers/offset-commit.ts";
import { offsetFetch } from "./handlers/offset-fetch.ts";
import { joinGroup } from "./handlers/join-group.ts";
import { syncGroup } from "./handlers/sync-group.ts";
import { heartbeat } from "./handlers/heartbeat.ts";
import { leaveGroup } from "./handlers/leave-group.ts";
import { listGroups } from "./handlers/list-groups.ts";
import { describeGroups } from "./handlers/describe-groups.ts";
import { deleteGroups } from "./handlers/delete-groups.ts";

/** Writes the response body; returns false when the request gets no response at all. */
type Handler = (
  ctx: KafkaContext,
  r: KafkaReader,
  version: number,
  w: KafkaWriter,
  header: RequestHeader,
) => Promise<boolean | void> | boolean | void;

const handlers = new Map<number, Handler>([
  [ApiKey.ApiVersions, (_ctx, r, version, w) => apiVersions(r, version, w)],
  [ApiKey.Metadata, metadata],
  [ApiKey.Produce, produce],
  [ApiKey.Fetch, fetch],
  [ApiKey.ListOffsets, listOffsets],
  // Admin, producer-id, epoch and SASL APIs.
  [ApiKey.CreateTopics, createTopics],
  [ApiKey.DeleteTopics, deleteTopics],
  [ApiKey.DeleteRecords, deleteRecords],
  [ApiKey.InitProducerId, initProducerId],
  [ApiKey.OffsetForLeaderEpoch, offsetForLeaderEpoch],
  [ApiKey.DescribeConfigs, describeConfigs],
  [ApiKey.AlterConfigs, alterConfigs],
  [ApiKey.IncrementalAlterConfigs, incrementalAlterConfigs],
  [ApiKey.CreatePartitions, createPartitions],
  [ApiKey.SaslHandshake, saslHandshake],
  [ApiKey.SaslAuthenticate, (_ctx, r, version, w) => saslAuthenticate(r, version, w)],
  [ApiKey.FindCoordinator, findCoordinator],
  [ApiKey.OffsetCommit, offsetCommit],
  [ApiKey.OffsetFetch, offsetFetch],
  [ApiKey.JoinGroup, joinGroup],
  [ApiKey.SyncGroup, syncGroup],
  [ApiKey.Heartbeat, heartbeat],
  [ApiKey.LeaveGroup, leaveGroup],
  [ApiKey.ListGroups, listGroups],
  [ApiKey.DescribeGroups, describeGroups],
  [ApiKey.DeleteGroups, deleteGroups],
]);

export type Dispatched =
  | { kind: "response"; frame: Uint8Array | null }
  | { kind: "unsupported"; request: UnsupportedRequest };

export async function dispatch(ctx: KafkaContext, frame: Uint8Array): Promise<Dispatched> {
  const request = parseRequest(frame);
  if (request.kind === "unsupported") {
    if (request.apiKey !== ApiKey.ApiVersions) return { kind: "unsupported", request };
    return { kind: "response", frame: unsupportedApiVersions(request.correlationId) };
  }
  const handler = handlers.get(request.entry.key);
  if (handler === undefined) return { kind: "unsupported", request: unsupportedOf(request) };
  const w = new KafkaWriter();
  writeResponseHeader(
    w,
    request.header.correlationId,
    responseHeaderVersion(request.entry.key, request.flexible),
  );
  const answered = await handler(ctx, request.body, request.header.apiVersion, w, request.header);
  return { kind: "response", frame: answered === false ? null : frameOf(w.finish()) };
}

function unsupportedApiVersions(correlationId: number): Uint8Array {
  const w = new KafkaWriter();
  writeResponseHeader(w, correlationId, 0);
  encodeApiVersionsResponse(w, 0, {
    errorCode: KafkaError.UNSUPPORTED_VERSION,
    apiKeys: ADVERTISED,
    throttleTimeMs: 0,
  });
  return frameOf(w.finish());
}

function unsupportedOf(request: ParsedRequest): UnsupportedRequest {
  return {
    kind: "unsupported",
    apiKey: request.entry.key,
    apiVersion: request.header.apiVersion,
    correlationId: request.header.correlationId,
  };
}
