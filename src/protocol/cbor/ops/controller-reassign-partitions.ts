// ControllerReassignPartitions (op 52): moves partitions to new replicas on the active
// controller (KIP-455, simplified; docs/protocol.md §6.34). Controller listener; a broker's
// client listener forwards it as it does ElectLeaders.
//
//   request v1  = {"partitions": [* {"topic": text, "partition": uint,
//                                    "replicas": [* uint] / null}]}   ; null: cancel
//   response v1 = {"partitions": [* PartitionState], "committedOffset": int}
//                                                        ; -1: nothing was written
//   PartitionState = {"topic": text, "partition": uint, "replicas": [* uint],
//                     "isr": [* uint], "leader": int,   ; -1: no leader
//                     "targetReplicas": [* uint] / null} ; null: no reassignment in progress
//
// Errors (the whole request): NOT_CONTROLLER, UNKNOWN_TOPIC_OR_PARTITION,
// INVALID_REPLICA_ASSIGNMENT (empty, duplicate or unregistered replicas; a cancel or a new
// target that would leave no in-sync replica), INVALID_REQUEST (a partition named twice).

import type { ReassignPartitionsReply, ReassignPartitionsRequest } from "../../../model/cluster.ts";
import { INT32_MAX, Shape } from "../shape.ts";
import { committedOffset, nodeIdList } from "./cluster-shapes.ts";
import type { OpModule } from "./op-module.ts";

export type ControllerReassignPartitionsRequest = ReassignPartitionsRequest;
export type ControllerReassignPartitionsResponse = ReassignPartitionsReply;

export const controllerReassignPartitionsOp: OpModule<
  ControllerReassignPartitionsRequest,
  ControllerReassignPartitionsResponse
> = {
  versions: { min: 1, max: 1 },
  requestValidators: { 1: requestV1 },
  validateResponse: (shape, m) => ({
    partitions: shape.list(m, "partitions", "body", (item, path) => {
      const p = shape.map(item, path);
      return {
        topic: shape.text(p, "topic", path),
        partition: shape.partition(p, "partition", path),
        replicas: nodeIdList(shape, p, "replicas", path),
        isr: nodeIdList(shape, p, "isr", path),
        leader: shape.int(p, "leader", path, -1, INT32_MAX),
        targetReplicas: shape.nullable(
          p,
          "targetReplicas",
          () => nodeIdList(shape, p, "targetReplicas", path),
        ),
      };
    }),
    committedOffset: committedOffset(shape, m),
  }),
};

function requestV1(body: unknown): ControllerReassignPartitionsRequest {
  const shape = new Shape("INVALID_REQUEST", "ControllerReassignPartitions v1");
  const m = shape.map(body, "body");
  return {
    partitions: shape.list(m, "partitions", "body", (item, path) => {
      const p = shape.map(item, path);
      const topic = shape.text(p, "topic", path);
      const partition = shape.partition(p, "partition", path);
      // Required: a cancel is an explicit null, never a forgotten field.
      if (p.replicas === undefined) {
        shape.fail(`${path}.replicas`, "an array of broker ids or null");
      }
      const replicas = shape.nullable(p, "replicas", () => nodeIdList(shape, p, "replicas", path));
      return { topic, partition, replicas };
    }),
  };
}
