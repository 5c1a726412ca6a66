// The operation table: each operation name (its code is Op[name], op-codes.ts) mapped to the
// module in its own file here. The server validates requests and the client validates responses
// through it, and ApiVersions reports its versions. A new operation is a code in op-codes.ts,
// one file in this folder, one row below and its handler's row in server/handlers/index.ts (the
// types of both tables make a missing row a compile error).

import { TributaryError } from "../../../model/errors.ts";
import type { OpName } from "../op-codes.ts";
import { type CborMap, Shape } from "../shape.ts";
import { apiVersionsOp } from "./api-versions.ts";
import { consumerGroupHeartbeatOp } from "./consumer-group-heartbeat.ts";
import { createTopicsOp } from "./create-topics.ts";
import { deleteGroupsOp } from "./delete-groups.ts";
import { deleteTopicsOp } from "./delete-topics.ts";
import { describeGroupsOp } from "./describe-groups.ts";
import { describeTopicsOp } from "./describe-topics.ts";
import { fetchOp } from "./fetch.ts";
import { findCoordinatorOp } from "./find-coordinator.ts";
import { initProducerIdOp } from "./init-producer-id.ts";
import { leaveGroupOp } from "./leave-group.ts";
import { listGroupsOp } from "./list-groups.ts";
import { listOffsetsOp } from "./list-offsets.ts";
import { listTopicsOp } from "./list-topics.ts";
import { metadataOp } from "./metadata.ts";
import { offsetCommitOp } from "./offset-commit.ts";
import { offsetFetchOp } from "./offset-fetch.ts";
import type { OpModule, OpVersions } from "./op-module.ts";
import { produceOp } from "./produce.ts";
import { resetOffsetsOp } from "./reset-offsets.ts";
import { allocateProducerIdsOp } from "./allocate-producer-ids.ts";
import { alterPartitionOp } from "./alter-partition.ts";
import { brokerHeartbeatOp } from "./broker-heartbeat.ts";
import { brokerRegistrationOp } from "./broker-registration.ts";
import { controllerCreatePartitionsOp } from "./controller-create-partitions.ts";
import { controllerAlterConfigsOp } from "./controller-alter-configs.ts";
import { controllerCreateTopicsOp } from "./controller-create-topics.ts";
import { controllerDeleteTopicsOp } from "./controller-delete-topics.ts";
import { electLeadersOp } from "./elect-leaders.ts";
import { controllerReassignPartitionsOp } from "./controller-reassign-partitions.ts";
import { metadataFetchOp } from "./metadata-fetch.ts";
import { offsetForLeaderEpochOp } from "./offset-for-leader-epoch.ts";
import { raftMessageOp } from "./raft-message.ts";
import { replicaFetchOp } from "./replica-fetch.ts";

export const OPS = {
  ApiVersions: apiVersionsOp,
  Metadata: metadataOp,
  CreateTopics: createTopicsOp,
  DeleteTopics: deleteTopicsOp,
  DescribeTopics: describeTopicsOp,
  ListTopics: listTopicsOp,
  Produce: produceOp,
  Fetch: fetchOp,
  ListOffsets: listOffsetsOp,
  InitProducerId: initProducerIdOp,
  FindCoordinator: findCoordinatorOp,
  ConsumerGroupHeartbeat: consumerGroupHeartbeatOp,
  LeaveGroup: leaveGroupOp,
  OffsetCommit: offsetCommitOp,
  OffsetFetch: offsetFetchOp,
  ListGroups: listGroupsOp,
  DescribeGroups: describeGroupsOp,
  ResetOffsets: resetOffsetsOp,
  DeleteGroups: deleteGroupsOp,
  ReplicaFetch: replicaFetchOp,
  OffsetForLeaderEpoch: offsetForLeaderEpochOp,
  BrokerRegistration: brokerRegistrationOp,
  BrokerHeartbeat: brokerHeartbeatOp,
  MetadataFetch: metadataFetchOp,
  AlterPartition: alterPartitionOp,
  ControllerCreateTopics: controllerCreateTopicsOp,
  ControllerDeleteTopics: controllerDeleteTopicsOp,
  ControllerCreatePartitions: controllerCreatePartitionsOp,
  AllocateProducerIds: allocateProducerIdsOp,
  ElectLeaders: electLeadersOp,
  RaftMessage: raftMessageOp,
  ControllerReassignPartitions: controllerReassignPartitionsOp,
  ControllerAlterConfigs: controllerAlterConfigsOp,
} as const satisfies { readonly [K in OpName]: OpModule<unknown, unknown> };

type RequestOf<M> = M extends OpModule<infer Request, unknown> ? Request : never;
type ResponseOf<M> = M extends OpModule<unknown, infer Response> ? Response : never;

/** Each operation's request and response body, as its module validates them. */
export type Operations = {
  [K in OpName]: { request: RequestOf<(typeof OPS)[K]>; response: ResponseOf<(typeof OPS)[K]> };
};
export type RequestBody<K extends OpName> = Operations[K]["request"];
export type ResponseBody<K extends OpName> = Operations[K]["response"];

/** Versions this code base can serve, per operation (inclusive). */
export const OP_VERSIONS: Readonly<Record<OpName, OpVersions>> = Object.fromEntries(
  (Object.keys(OPS) as OpName[]).map((name) => [name, OPS[name].versions]),
) as Record<OpName, OpVersions>;

/** Responses describe whole clusters; their lists may be far longer than any request's. */
const RESPONSE_LIST_LENGTH_MAX = 10_000_000;

/** Checks a request body; throws INVALID_REQUEST (or a more specific code) when it is wrong. */
export function validateRequest<K extends OpName>(
  op: K,
  version: number,
  body: unknown,
): RequestBody<K> {
  const validators: Readonly<Record<number, (body: unknown) => unknown>> =
    OPS[op].requestValidators;
  const validator = validators[version] as ((body: unknown) => RequestBody<K>) | undefined;
  if (validator === undefined) {
    throw new TributaryError("UNSUPPORTED_VERSION", `${op} has no version ${version}`);
  }
  return validator(body);
}

/** Checks a response body; one that does not match its operation is UNKNOWN_SERVER_ERROR. */
export function validateResponse<K extends OpName>(op: K, body: unknown): ResponseBody<K> {
  const shape = new Shape(
    "UNKNOWN_SERVER_ERROR",
    `malformed ${op} response`,
    RESPONSE_LIST_LENGTH_MAX,
  );
  const validator = OPS[op].validateResponse as (shape: Shape, m: CborMap) => ResponseBody<K>;
  return validator(shape, shape.map(body, "body"));
}
