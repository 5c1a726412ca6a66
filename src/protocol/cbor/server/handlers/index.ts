// The dispatcher table: one handler per operation, by name (the code is Op[name]). The
// connection looks a request's handler up here once the request is validated.

import type { OpName } from "../../op-codes.ts";
import { apiVersionsBody } from "./api-versions.ts";
import type { Handler } from "./context.ts";
import {
  allocateProducerIds,
  alterPartition,
  brokerHeartbeat,
  brokerRegistration,
  controllerCreatePartitions,
  controllerAlterConfigs,
  controllerCreateTopics,
  controllerDeleteTopics,
  controllerReassignPartitions,
  electLeaders,
  metadataFetch,
  offsetForLeaderEpoch,
  raftMessage,
  replicaFetch,
} from "./cluster.ts";
import { fetch, listOffsets } from "./fetch.ts";
import {
  consumerGroupHeartbeat,
  deleteGroups,
  describeGroups,
  findCoordinator,
  leaveGroup,
  listGroups,
  offsetCommit,
  offsetFetch,
  resetOffsets,
} from "./groups.ts";
import { initProducerId, produce } from "./produce.ts";
import { createTopics, deleteTopics, describeTopics, listTopics, metadata } from "./topics.ts";

export const HANDLERS: { [K in OpName]: Handler<K> } = {
  ApiVersions: (ctx) => Promise.resolve(apiVersionsBody(ctx)),
  Metadata: metadata,
  CreateTopics: createTopics,
  DeleteTopics: deleteTopics,
  DescribeTopics: describeTopics,
  ListTopics: listTopics,
  Produce: produce,
  Fetch: fetch,
  ListOffsets: listOffsets,
  InitProducerId: initProducerId,
  FindCoordinator: findCoordinator,
  ConsumerGroupHeartbeat: consumerGroupHeartbeat,
  LeaveGroup: leaveGroup,
  OffsetCommit: offsetCommit,
  OffsetFetch: offsetFetch,
  ListGroups: listGroups,
  DescribeGroups: describeGroups,
  ResetOffsets: resetOffsets,
  DeleteGroups: deleteGroups,
  ReplicaFetch: replicaFetch,
  OffsetForLeaderEpoch: offsetForLeaderEpoch,
  BrokerRegistration: brokerRegistration,
  BrokerHeartbeat: brokerHeartbeat,
  MetadataFetch: metadataFetch,
  AlterPartition: alterPartition,
  ControllerCreateTopics: controllerCreateTopics,
  ControllerDeleteTopics: controllerDeleteTopics,
  ControllerCreatePartitions: controllerCreatePartitions,
  ControllerAlterConfigs: controllerAlterConfigs,
  AllocateProducerIds: allocateProducerIds,
  ElectLeaders: electLeaders,
  ControllerReassignPartitions: controllerReassignPartitions,
  RaftMessage: raftMessage,
};
