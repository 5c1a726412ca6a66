// Consumer-group administration over the CBOR protocol (docs/protocol.md §6.11-6.20): list,
// describe, committed offsets with lag, reset and delete. Requests about one group go to its
// coordinator (FindCoordinator); ListGroups goes to any broker (one node holds them all today).

import type { GroupDescriptionWire } from "../protocol/cbor/ops/describe-groups.ts";
import type { GroupListingWire } from "../protocol/cbor/ops/list-groups.ts";
import type { OffsetFetchEntry } from "../protocol/cbor/ops/offset-fetch.ts";
import type { ResetOffsetsTopic } from "../protocol/cbor/ops/reset-offsets.ts";
import { TributaryError } from "../model/errors.ts";
import type { ClusterClient } from "./cluster.ts";
import type { TopicPartition } from "./fetched-records.ts";
import { throwIfError } from "./wire-result.ts";

export type GroupListing = GroupListingWire;
export type GroupDescription = GroupDescriptionWire;
/** A committed offset with the partition's high watermark and lag (null where unknown). */
export type GroupOffset = OffsetFetchEntry;
/** Where resetOffsets moves a topic's committed offsets (to: earliest, latest, offset, timestamp). */
export type ResetOffsetsSpec = ResetOffsetsTopic;

export async function listGroups(cluster: ClusterClient): Promise<GroupListing[]> {
  return (await cluster.request("ListGroups", {})).groups;
}

/** GROUP_ID_NOT_FOUND for a group that does not exist. */
export async function describeGroup(
  cluster: ClusterClient,
  groupId: string,
): Promise<GroupDescription> {
  const node = await coordinatorOf(cluster, groupId);
  const response = await cluster.request("DescribeGroups", { groupIds: [groupId] }, node);
  const result = response.groups.find((g) => g.groupId === groupId);
  throwIfError(result?.error);
  if (!result?.group) {
    throw new TributaryError(
      "UNKNOWN_SERVER_ERROR",
      `DescribeGroups answered nothing for ${groupId}`,
    );
  }
  return result.group;
}

/**
 * Committed offsets of a group with high watermark and lag: of the given topics (every
 * partition, committed or not) or of every partition the group has committed.
 */
export async function fetchGroupOffsets(
  cluster: ClusterClient,
  groupId: string,
  topics?: readonly string[],
): Promise<GroupOffset[]> {
  const node = await coordinatorOf(cluster, groupId);
  const body = { groupId, topics: topics?.map((topic) => ({ topic, partitions: null })) ?? null };
  return (await cluster.request("OffsetFetch", body, node)).offsets;
}

/**
 * Moves committed offsets (NON_EMPTY_GROUP while the group has members) and returns the
 * offsets set; with dryRun, only what they would be.
 */
export async function resetGroupOffsets(
  cluster: ClusterClient,
  groupId: string,
  topics: readonly ResetOffsetsSpec[],
  options: { dryRun?: boolean } = {},
): Promise<Array<TopicPartition & { offset: number }>> {
  const node = await coordinatorOf(cluster, groupId);
  const body = { groupId, topics: topics.map((t) => ({ ...t })), dryRun: options.dryRun ?? false };
  return (await cluster.request("ResetOffsets", body, node)).offsets;
}

/** Deletes a group and its committed offsets (NON_EMPTY_GROUP while it has members). */
export async function deleteGroup(cluster: ClusterClient, groupId: string): Promise<void> {
  const node = await coordinatorOf(cluster, groupId);
  const response = await cluster.request("DeleteGroups", { groupIds: [groupId] }, node);
  throwIfError(response.groups.find((g) => g.groupId === groupId)?.error);
}

async function coordinatorOf(cluster: ClusterClient, groupId: string): Promise<number> {
  const { coordinator } = await cluster.request("FindCoordinator", { groupId });
  cluster.rememberBroker(coordinator);
  return coordinator.nodeId;
}
