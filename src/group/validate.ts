// Shape and bound checks of incoming requests. The protocol and HTTP layers decode untyped input,
// so everything is checked here again before the coordinator trusts it.
import { type Assignment, normalizeAssignment, type TopicPartitions } from "./assignment.ts";
import type { GroupCoordinatorConfig } from "./config.ts";
import { type HeartbeatRequest, JOIN_EPOCH, STATIC_LEAVE_EPOCH } from "./types.ts";
import { TOPIC_NAME_CHARS_MAX } from "../model/topic-name.ts";
import { TributaryError } from "../model/errors.ts";

export function validateGroupId(config: GroupCoordinatorConfig, groupId: unknown): string {
  if (typeof groupId !== "string" || groupId.length === 0 || groupId.length > config.idCharsMax) {
    throw new TributaryError(
      "INVALID_GROUP_ID",
      `group id must be a string of 1 to ${config.idCharsMax} characters`,
    );
  }
  return groupId;
}

export function validateHeartbeat(config: GroupCoordinatorConfig, req: HeartbeatRequest): void {
  validateGroupId(config, req.groupId);
  if (typeof req.memberId !== "string") invalid("memberId must be a string");
  optionalId(config, "memberId", req.memberId, true);
  if (!Number.isSafeInteger(req.memberEpoch) || req.memberEpoch < STATIC_LEAVE_EPOCH) {
    invalid(`memberEpoch must be an integer >= ${STATIC_LEAVE_EPOCH}`);
  }
  optionalId(config, "instanceId", req.instanceId, false);
  optionalId(config, "clientId", req.clientId, true);
  if (req.subscribedTopics != null) validateTopics(config, req.subscribedTopics);
  else if (req.memberEpoch === JOIN_EPOCH) invalid("a joining member must list its topics");
  if (req.sessionTimeoutMs != null) {
    const ms = req.sessionTimeoutMs;
    if (
      !Number.isSafeInteger(ms) || ms < config.sessionTimeoutMsMin ||
      ms > config.sessionTimeoutMsMax
    ) {
      throw new TributaryError(
        "INVALID_SESSION_TIMEOUT",
        `sessionTimeoutMs must be within ${config.sessionTimeoutMsMin}..${config.sessionTimeoutMsMax}`,
      );
    }
  }
  if (req.rebalanceTimeoutMs != null) {
    const ms = req.rebalanceTimeoutMs;
    if (
      !Number.isSafeInteger(ms) || ms < config.rebalanceTimeoutMsMin ||
      ms > config.rebalanceTimeoutMsMax
    ) {
      invalid(
        `rebalanceTimeoutMs must be within ${config.rebalanceTimeoutMsMin}..${config.rebalanceTimeoutMsMax}`,
      );
    }
  }
  if (req.assignor != null && typeof req.assignor !== "string") {
    invalid("assignor must be a string");
  }
  if (req.ownedPartitions != null) validatePartitions(config, req.ownedPartitions);
  if (req.memberEpoch > JOIN_EPOCH && req.memberId === "") {
    throw new TributaryError("UNKNOWN_MEMBER_ID", "a heartbeat past joining needs the member id");
  }
}

/** Checks a list of topics' partitions and returns its canonical form. */
export function validatePartitions(
  config: GroupCoordinatorConfig,
  list: readonly TopicPartitions[],
): Assignment {
  if (!Array.isArray(list)) invalid("partitions must be a list");
  let total = 0;
  for (const entry of list) {
    if (typeof entry !== "object" || entry === null) invalid("bad topic partitions entry");
    validateTopic(entry.topic);
    if (!Array.isArray(entry.partitions)) invalid("partitions must be a list");
    for (const p of entry.partitions) {
      if (!Number.isSafeInteger(p) || p < 0) invalid(`bad partition ${String(p)}`);
    }
    total += entry.partitions.length;
    if (total > config.partitionsPerRequestMax) {
      invalid(`more than ${config.partitionsPerRequestMax} partitions in one request`);
    }
  }
  return normalizeAssignment(list);
}

export function validateTopic(topic: unknown): asserts topic is string {
  if (typeof topic !== "string" || topic.length === 0 || topic.length > TOPIC_NAME_CHARS_MAX) {
    invalid(`topic must be a string of 1 to ${TOPIC_NAME_CHARS_MAX} characters`);
  }
}

export function invalid(why: string): never {
  throw new TributaryError("INVALID_REQUEST", why);
}

function validateTopics(config: GroupCoordinatorConfig, topics: readonly string[]): void {
  if (!Array.isArray(topics)) invalid("subscribedTopics must be a list");
  if (topics.length > config.subscribedTopicsMax) {
    invalid(`more than ${config.subscribedTopicsMax} subscribed topics`);
  }
  for (const topic of topics) validateTopic(topic);
}

function optionalId(
  config: GroupCoordinatorConfig,
  name: string,
  value: unknown,
  emptyAllowed: boolean,
): void {
  if (value === null || value === undefined) return;
  const ok = typeof value === "string" && value.length <= config.idCharsMax &&
    (emptyAllowed || value.length > 0);
  if (!ok) invalid(`${name} must be a string of at most ${config.idCharsMax} characters`);
}
