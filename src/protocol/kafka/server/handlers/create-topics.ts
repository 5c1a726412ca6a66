// CreateTopics: each topic created through the broker core as the other faces do (on a single
// node its local metadata log, in a cluster the controller), one at a time so a failing topic
// leaves the others. num_partitions / replication_factor -1 take the broker's defaults; manual
// assignments are refused with INVALID_REQUEST (the controller places replicas itself).
// validate_only runs the same checks the creation would (name, counts, configs, existence)
// and creates nothing. v5+ answers the created topic's counts and configs.

import { PARTITIONS_PER_TOPIC_MAX } from "../../../../broker/broker-options.ts";
import { normalizeTopicConfigs } from "../../../../broker/topic-config.ts";
import { TributaryError } from "../../../../model/errors.ts";
import { validateTopicName } from "../../../../model/topic-name.ts";
import { NONE } from "../../error-codes.ts";
import {
  type CreatableTopic,
  type CreatableTopicResult,
  type CreatedTopicConfig,
  decodeCreateTopicsRequest,
  encodeCreateTopicsResponse,
} from "../../messages/create-topics.ts";
import type { KafkaReader } from "../../reader.ts";
import { uuidBytes, ZERO_UUID } from "../../uuid.ts";
import type { KafkaWriter } from "../../writer.ts";
import type { KafkaContext } from "../context.ts";
import { itemError } from "./admin-errors.ts";
import { configSourceOf } from "./describe-configs.ts";

export async function createTopics(
  ctx: KafkaContext,
  r: KafkaReader,
  version: number,
  w: KafkaWriter,
): Promise<void> {
  const request = decodeCreateTopicsRequest(r, version);
  r.expectEnd(`CreateTopics v${version}`);
  const counts = new Map<string, number>();
  for (const t of request.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
  const topics: CreatableTopicResult[] = [];
  for (const t of request.topics) {
    if (counts.get(t.name)! > 1) {
      // As Kafka: a name given twice is refused each time, and neither is created.
      topics.push(failed(t.name, {
        errorCode: itemError(duplicate(t.name)).errorCode,
        errorMessage: `topic ${t.name} appears more than once in the request`,
      }));
      continue;
    }
    topics.push(await createOne(ctx, t, request.validateOnly, version));
  }
  encodeCreateTopicsResponse(w, version, { throttleTimeMs: 0, topics });
}

async function createOne(
  ctx: KafkaContext,
  t: CreatableTopic,
  validateOnly: boolean,
  version: number,
): Promise<CreatableTopicResult> {
  try {
    const request = checked(ctx, t);
    if (validateOnly) {
      if (ctx.broker.listTopics().some((x) => x.name === t.name)) {
        throw new TributaryError("TOPIC_ALREADY_EXISTS", `topic ${t.name} already exists`);
      }
      return {
        name: t.name,
        topicId: ZERO_UUID,
        errorCode: NONE,
        errorMessage: null,
        numPartitions: request.partitions ?? -1,
        replicationFactor: request.replicationFactor ?? -1,
        configs: null,
      };
    }
    const created = await ctx.broker.createTopic(request);
    return {
      name: t.name,
      topicId: uuidBytes(ctx.admin?.topicId(t.name)),
      errorCode: NONE,
      errorMessage: null,
      numPartitions: created.partitions.length,
      replicationFactor: created.partitions[0]?.replicas.length ?? -1,
      configs: version >= 5 ? configsOf(ctx, t.name) : null,
    };
  } catch (err) {
    return failed(t.name, itemError(err));
  }
}

/** The checks Kafka makes before it creates anything, in its order. */
function checked(ctx: KafkaContext, t: CreatableTopic) {
  validateTopicName(t.name);
  if (t.assignments.length > 0) {
    throw new TributaryError(
      "INVALID_REQUEST",
      `topic ${t.name}: manual replica assignments are not supported; give num_partitions and replication_factor`,
    );
  }
  const partitions = t.numPartitions;
  if (partitions !== -1 && (partitions < 1 || partitions > PARTITIONS_PER_TOPIC_MAX)) {
    throw new TributaryError(
      "INVALID_PARTITIONS",
      `num_partitions must be -1 (the default) or in [1, ${PARTITIONS_PER_TOPIC_MAX}], got ${t.numPartitions}`,
    );
  }
  const brokers = ctx.admin?.brokerCount() ?? 1;
  if (t.replicationFactor !== -1 && (t.replicationFactor < 1 || t.replicationFactor > brokers)) {
    throw new TributaryError(
      "INVALID_REPLICATION_FACTOR",
      `replication_factor must be -1 (the default) or in [1, ${brokers}] (brokers available), got ${t.replicationFactor}`,
    );
  }
  const given: Record<string, string> = {};
  for (const c of t.configs) {
    if (c.name in given) {
      throw new TributaryError("INVALID_CONFIG", `config ${c.name} is given twice`);
    }
    if (c.value !== null) given[c.name] = c.value;
  }
  return {
    name: t.name,
    ...(t.numPartitions === -1 ? {} : { partitions: t.numPartitions }),
    ...(t.replicationFactor === -1 ? {} : { replicationFactor: t.replicationFactor }),
    configs: normalizeTopicConfigs(given),
  };
}

function configsOf(ctx: KafkaContext, topic: string): CreatedTopicConfig[] | null {
  if (ctx.admin === undefined) return null;
  return ctx.admin.topicConfigEntries(topic).map((e) => ({
    name: e.name,
    value: e.value,
    readOnly: false,
    configSource: configSourceOf(e.source),
    isSensitive: false,
  }));
}

function duplicate(name: string): TributaryError {
  return new TributaryError("INVALID_REQUEST", `topic ${name} appears more than once`);
}

function failed(
  name: string,
  e: { errorCode: number; errorMessage: string },
): CreatableTopicResult {
  return {
    name,
    topicId: ZERO_UUID,
    errorCode: e.errorCode,
    errorMessage: e.errorMessage,
    numPartitions: -1,
    replicationFactor: -1,
    configs: null,
  };
}
