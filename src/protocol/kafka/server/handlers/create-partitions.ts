// CreatePartitions: grows each topic to the count asked for, through the cluster's controller
// or a single node's own metadata log, one topic at a time. Manual assignments are refused (the
// controller places replicas itself). validate_only checks only.

import { PARTITIONS_PER_TOPIC_MAX } from "../../../../broker/broker-options.ts";
import { TributaryError } from "../../../../model/errors.ts";
import { NONE } from "../../error-codes.ts";
import {
  type CreatePartitionsResult,
  type CreatePartitionsTopic,
  decodeCreatePartitionsRequest,
  encodeCreatePartitionsResponse,
} from "../../messages/create-partitions.ts";
import type { KafkaReader } from "../../reader.ts";
import type { KafkaWriter } from "../../writer.ts";
import type { KafkaContext } from "../context.ts";
import { itemError } from "./admin-errors.ts";

export async function createPartitions(
  ctx: KafkaContext,
  r: KafkaReader,
  version: number,
  w: KafkaWriter,
): Promise<void> {
  const request = decodeCreatePartitionsRequest(r, version);
  r.expectEnd(`CreatePartitions v${version}`);
  const results: CreatePartitionsResult[] = [];
  for (const t of request.topics) {
    try {
      check(ctx, t);
      if (!request.validateOnly) {
        const grow = ctx.admin?.createPartitions;
        if (grow === undefined) {
          throw new TributaryError(
            "INVALID_REQUEST",
            `this listener was started without a way to add partitions; ${t.name} keeps its count`,
          );
        }
        await grow(t.name, t.count);
      }
      results.push({ name: t.name, errorCode: NONE, errorMessage: null });
    } catch (err) {
      results.push({ name: t.name, ...itemError(err) });
    }
  }
  encodeCreatePartitionsResponse(w, version, { throttleTimeMs: 0, results });
}

function check(ctx: KafkaContext, t: CreatePartitionsTopic): void {
  const current = ctx.broker.describeTopic(t.name).partitions.length;
  if (t.count <= current || t.count > PARTITIONS_PER_TOPIC_MAX) {
    throw new TributaryError(
      "INVALID_PARTITIONS",
      `topic ${t.name} has ${current} partitions; the new count must be above it and at most ${PARTITIONS_PER_TOPIC_MAX}, got ${t.count}`,
    );
  }
  if (t.assignments !== null) {
    throw new TributaryError(
      "INVALID_REPLICA_ASSIGNMENT",
      `topic ${t.name}: manual assignments are not supported; the controller places new partitions`,
    );
  }
}
