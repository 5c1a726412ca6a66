// FindCoordinator: the broker leading a group's `__consumer_offsets` partition, at its Kafka
// listener. Transactions have no coordinator here: a transaction key is answered
// TRANSACTIONAL_ID_AUTHORIZATION_FAILED, as InitProducerId answers a transactional id. A
// transactional producer asks FindCoordinator first, and librdkafka and the Java client take
// that code as fatal and tell the application at once; COORDINATOR_NOT_AVAILABLE (what Kafka
// says while its coordinator loads) had them retry until init_transactions timed out.

import { TributaryError } from "../../../../model/errors.ts";
import { KafkaAdminError, KafkaError, kafkaErrorCode, NONE } from "../../error-codes.ts";
import {
  type Coordinator,
  decodeFindCoordinatorRequest,
  encodeFindCoordinatorResponse,
  KEY_TYPE_GROUP,
  KEY_TYPE_TRANSACTION,
} from "../../messages/find-coordinator.ts";
import type { KafkaReader } from "../../reader.ts";
import type { KafkaWriter } from "../../writer.ts";
import type { KafkaContext } from "../context.ts";
import { groupsOf } from "./group-backend.ts";

export function findCoordinator(
  ctx: KafkaContext,
  r: KafkaReader,
  version: number,
  w: KafkaWriter,
): void {
  const request = decodeFindCoordinatorRequest(r, version);
  r.expectEnd(`FindCoordinator v${version}`);
  const coordinators = request.keys.map((key) => coordinatorOf(ctx, request.keyType, key));
  encodeFindCoordinatorResponse(w, version, { coordinators });
}

function coordinatorOf(ctx: KafkaContext, keyType: number, key: string): Coordinator {
  if (keyType === KEY_TYPE_TRANSACTION) {
    return failed(
      key,
      KafkaAdminError.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
      "transactions are not supported by this broker",
    );
  }
  if (keyType !== KEY_TYPE_GROUP) {
    return failed(key, KafkaError.INVALID_REQUEST, `unknown coordinator key type ${keyType}`);
  }
  try {
    const { coordinator } = groupsOf(ctx).coordinatorOf(key);
    const kafkaPort = coordinator.kafkaPort ?? kafkaPortOf(ctx, coordinator.nodeId);
    if (kafkaPort === undefined) {
      throw new TributaryError(
        "COORDINATOR_NOT_AVAILABLE",
        `the coordinator of ${key}, broker ${coordinator.nodeId}, has no Kafka listener`,
      );
    }
    return {
      key,
      nodeId: coordinator.nodeId,
      host: coordinator.host,
      port: kafkaPort,
      errorCode: NONE,
      errorMessage: null,
    };
  } catch (err) {
    return failed(key, kafkaErrorCode(err), err instanceof Error ? err.message : String(err));
  }
}

/** The broker's Kafka port as the cluster metadata has it (what Metadata answers too). */
function kafkaPortOf(ctx: KafkaContext, nodeId: number): number | undefined {
  return ctx.broker.metadata([]).brokers.find((b) => b.nodeId === nodeId)?.kafkaPort;
}

function failed(key: string, errorCode: number, errorMessage: string): Coordinator {
  return { key, nodeId: -1, host: "", port: -1, errorCode, errorMessage };
}
