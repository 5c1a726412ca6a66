// The active controller's decisions, sans-IO (docs/controller.md, "The active controller").
export {
  type HeartbeatOffsets,
  LEADER_IMBALANCE_CHECK_INTERVAL_MS_DEFAULT,
  PRODUCER_ID_BLOCK_MAX,
  QuorumController,
  type QuorumControllerOptions,
  type RegisterBrokerDecision,
} from "./controller.ts";
export { NO_LEADER } from "./image-view.ts";
export type * from "./image-view.ts";
export { type PlacementBroker, type PlacementRequest, placeReplicas } from "./placement.ts";
export type { CreateTopicsReply } from "./topics.ts";
export type { ReassignmentItem, ReassignmentState } from "./reassign.ts";
