// Consumer groups: the coordinator state machine, its records and the assignors.
// See docs/groups.md for how a shell wires it to the log, the protocol and HTTP.
export { GroupCoordinator, type GroupCoordinatorOptions } from "./coordinator.ts";
export {
  DEFAULT_GROUP_COORDINATOR_CONFIG,
  type GroupCoordinatorConfig,
  groupCoordinatorConfig,
} from "./config.ts";
export type * from "./types.ts";
export { JOIN_EPOCH, LEAVE_EPOCH, STATIC_LEAVE_EPOCH } from "./types.ts";
export type * from "./records.ts";
export { groupRecordKey, tombstone } from "./records.ts";
export {
  decodeGroupRecord,
  type EncodedGroupRecord,
  encodeGroupRecord,
  encodeGroupRecordKey,
  GROUP_RECORD_KEY_VERSION,
  GROUP_RECORD_VALUE_VERSION,
} from "./record-codec.ts";
export {
  type Assignment,
  assignmentFromList,
  assignmentToList,
  normalizeAssignment,
  type TopicPartition,
  type TopicPartitions,
} from "./assignment.ts";
export {
  type AssignmentSpec,
  type Assignor,
  type AssignorMember,
  builtInAssignors,
  DEFAULT_ASSIGNOR,
  rangeAssignor,
  roundRobinAssignor,
  stickyAssignor,
} from "./assignors/index.ts";
export { randomMemberIds } from "./member-id.ts";
