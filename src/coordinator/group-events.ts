// What an operator wants to see of group activity, read off the records a coordinator wrote:
// the records are the one account of every state change (joins, subscription changes,
// rebalances, members leaving or expiring, deletion), so logging them once they are durable
// reports exactly what happened, whichever path (request, timer, topic change) caused it.
import type { Logger } from "../logging/logger.ts";
import type { OffsetsLogRecord } from "./offsets-log.ts";

export function logGroupRecords(logger: Logger, records: readonly OffsetsLogRecord[]): void {
  for (const record of records) {
    switch (record.type) {
      case "GroupMetadata":
        logger.info("group.rebalance", `group ${record.groupId} moved to epoch ${record.epoch}`, {
          group: record.groupId,
          epoch: record.epoch,
          assignor: record.assignor,
          topics: record.topics.map((t) => t.topic).join(","),
        });
        break;
      case "ClassicGroup":
        logger.info(
          "group.classic_generation",
          `classic group ${record.groupId} stored generation ${record.generationId}`,
          {
            group: record.groupId,
            generation: record.generationId,
            protocol: record.protocolName ?? undefined,
            members: record.members.length,
          },
        );
        break;
      case "Member":
        logger.info(
          "group.member_subscribed",
          `member ${record.memberId} of group ${record.groupId} subscribes to ${
            record.subscribedTopics.join(",")
          }`,
          {
            group: record.groupId,
            member: record.memberId,
            instance: record.instanceId ?? undefined,
            client: record.clientId,
          },
        );
        break;
      case "Tombstone":
        if (record.key.type === "Member") {
          logger.info(
            "group.member_removed",
            `member ${record.key.memberId} left group ${record.key.groupId} or expired`,
            { group: record.key.groupId, member: record.key.memberId },
          );
        } else if (record.key.type === "GroupMetadata" || record.key.type === "ClassicGroup") {
          logger.info("group.deleted", `group ${record.key.groupId} deleted`, {
            group: record.key.groupId,
          });
        }
        break;
      case "OffsetCommit":
        if (logger.enabled("debug")) {
          logger.debug("group.offset_committed", `group ${record.groupId} committed`, {
            group: record.groupId,
            topic: record.topic,
            partition: record.partition,
            offset: record.offset,
          });
        }
        break;
      case "HttpMember":
        logger.info(
          "group.http_member_created",
          `the broker consumes for member ${record.memberId} of group ${record.groupId}`,
          { group: record.groupId, member: record.memberId, reset: record.autoOffsetReset },
        );
        break;
      case "TargetAssignment":
      case "CurrentAssignment":
      case "HttpMemberTombstone":
        break;
    }
  }
}
