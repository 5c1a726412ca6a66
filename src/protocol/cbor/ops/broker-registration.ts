// BrokerRegistration (op 42): a broker announces itself to the active controller at every start
// (KIP-631; docs/protocol.md §6.24). Controller listener.
//
//   request v1  = {"clusterId": text, "brokerId": uint,   ; [0, 2^31 - 1]
//                  "incarnationId": text,                 ; new at every start
//                  "endpoints": [* ListenerEndpoint],     ; ≤ 10,000
//                  "rack": text / null}
//   ListenerEndpoint = {"listener": text, "host": text, "port": uint16}
//   response v1 = {"registeredAtOffset": int}             ; the registration record's offset
//
// Errors: NOT_CONTROLLER; INVALID_REQUEST for another cluster's id (Tributary has no code for
// Kafka's INCONSISTENT_CLUSTER_ID); STALE_BROKER_EPOCH for a registration the controller refuses
// while an older incarnation of the broker is still live.

import type { BrokerRegistrationReply, BrokerRegistrationRequest } from "../../../model/cluster.ts";
import { SAFE_INT_MAX, Shape } from "../shape.ts";
import { nodeId } from "./cluster-shapes.ts";
import type { OpModule } from "./op-module.ts";

export const brokerRegistrationOp: OpModule<BrokerRegistrationRequest, BrokerRegistrationReply> = {
  versions: { min: 1, max: 1 },
  requestValidators: { 1: requestV1 },
  validateResponse: (shape, m) => ({
    registeredAtOffset: shape.int(m, "registeredAtOffset", "body", 0, SAFE_INT_MAX),
  }),
};

function requestV1(body: unknown): BrokerRegistrationRequest {
  const shape = new Shape("INVALID_REQUEST", "BrokerRegistration v1");
  const m = shape.map(body, "body");
  if (m.rack !== null && typeof m.rack !== "string") {
    shape.fail("body.rack", "a text string or null");
  }
  return {
    clusterId: shape.text(m, "clusterId", "body"),
    brokerId: nodeId(shape, m, "brokerId", "body"),
    incarnationId: shape.text(m, "incarnationId", "body"),
    endpoints: shape.list(m, "endpoints", "body", (item, path) => {
      const e = shape.map(item, path);
      return {
        listener: shape.text(e, "listener", path),
        host: shape.text(e, "host", path),
        port: shape.int(e, "port", path, 0, 65535),
      };
    }),
    rack: shape.nullable(m, "rack", (v) => shape.textValue(v, "body.rack")),
  };
}
