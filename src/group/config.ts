// Limits and defaults of a group coordinator. Kafka's names in comments where one exists.
import { TributaryError } from "../model/errors.ts";
import { DEFAULT_ASSIGNOR } from "./assignors/index.ts";

export interface GroupCoordinatorConfig {
  /** Used when a joining member names none (group.consumer.session.timeout.ms). */
  sessionTimeoutMsDefault: number;
  sessionTimeoutMsMin: number;
  sessionTimeoutMsMax: number;
  /** How long a member may take to give up revoked partitions (max.poll.interval.ms). */
  rebalanceTimeoutMsDefault: number;
  rebalanceTimeoutMsMin: number;
  rebalanceTimeoutMsMax: number;
  /** Told to members; capped at a third of the member's session timeout. */
  heartbeatIntervalMs: number;
  /** group.consumer.max.size */
  membersPerGroupMax: number;
  groupsMax: number;
  subscribedTopicsMax: number;
  /** Owned partitions a heartbeat may report, and partitions a fetch may name. */
  partitionsPerRequestMax: number;
  offsetsPerCommitMax: number;
  committedOffsetsPerGroupMax: number;
  /** offset.metadata.max.bytes, counted in UTF-16 code units. */
  offsetMetadataCharsMax: number;
  /** For group, member, instance and client ids. */
  idCharsMax: number;
  defaultAssignor: string;
  /** Classic groups (JoinGroup): group.min.session.timeout.ms. */
  classicSessionTimeoutMsMin: number;
  /** group.max.session.timeout.ms */
  classicSessionTimeoutMsMax: number;
  /**
   * group.initial.rebalance.delay.ms: the first join to an Empty classic group waits this long
   * (extended while more members arrive, up to the rebalance timeout) so a group starting up
   * rebalances once, not once per member. 0 turns it off.
   */
  classicInitialRebalanceDelayMs: number;
  /** group.max.size (members plus members told MEMBER_ID_REQUIRED and not back yet). */
  classicMembersPerGroupMax: number;
  /** Protocols one JoinGroup may offer, and bytes of their metadata together. */
  classicProtocolsPerJoinMax: number;
  classicMetadataBytesMax: number;
}

export const DEFAULT_GROUP_COORDINATOR_CONFIG: Readonly<GroupCoordinatorConfig> = Object.freeze({
  sessionTimeoutMsDefault: 45_000,
  sessionTimeoutMsMin: 100,
  sessionTimeoutMsMax: 1_800_000,
  rebalanceTimeoutMsDefault: 300_000,
  rebalanceTimeoutMsMin: 100,
  rebalanceTimeoutMsMax: 1_800_000,
  heartbeatIntervalMs: 5_000,
  membersPerGroupMax: 1_000,
  groupsMax: 100_000,
  subscribedTopicsMax: 1_000,
  partitionsPerRequestMax: 100_000,
  offsetsPerCommitMax: 10_000,
  committedOffsetsPerGroupMax: 100_000,
  offsetMetadataCharsMax: 4_096,
  idCharsMax: 255,
  defaultAssignor: DEFAULT_ASSIGNOR,
  classicSessionTimeoutMsMin: 6_000,
  classicSessionTimeoutMsMax: 1_800_000,
  classicInitialRebalanceDelayMs: 3_000,
  classicMembersPerGroupMax: 1_000,
  classicProtocolsPerJoinMax: 64,
  classicMetadataBytesMax: 1024 * 1024,
});

/** Defaults with overrides applied, checked for consistency (INVALID_CONFIG). */
export function groupCoordinatorConfig(
  overrides: Partial<GroupCoordinatorConfig> = {},
): GroupCoordinatorConfig {
  const config = { ...DEFAULT_GROUP_COORDINATOR_CONFIG, ...overrides };
  for (const [name, value] of Object.entries(config)) {
    if (name === "defaultAssignor") continue;
    const least = name === "classicInitialRebalanceDelayMs" ? 0 : 1;
    if (!Number.isSafeInteger(value) || (value as number) < least) {
      throw new TributaryError("INVALID_CONFIG", `group ${name} must be an integer >= ${least}`);
    }
  }
  const inRange = (v: number, lo: number, hi: number) => lo <= v && v <= hi;
  if (
    !inRange(config.sessionTimeoutMsDefault, config.sessionTimeoutMsMin, config.sessionTimeoutMsMax)
  ) {
    throw new TributaryError("INVALID_CONFIG", "group sessionTimeoutMsDefault is outside min..max");
  }
  if (
    !inRange(
      config.rebalanceTimeoutMsDefault,
      config.rebalanceTimeoutMsMin,
      config.rebalanceTimeoutMsMax,
    )
  ) {
    throw new TributaryError(
      "INVALID_CONFIG",
      "group rebalanceTimeoutMsDefault is outside min..max",
    );
  }
  if (config.classicSessionTimeoutMsMin > config.classicSessionTimeoutMsMax) {
    throw new TributaryError("INVALID_CONFIG", "group classicSessionTimeoutMsMin is above max");
  }
  return config;
}
