// The package entry point: `import { startBroker, Producer, Consumer, Admin } from "tributary"`.
// A composition root, so it may load the host's Runtime (Node, Deno or Bun); everything it
// exports also takes an explicit `runtime` option, which tests and the simulator use instead.

import { loadRuntime } from "../runtime/load.ts";
import type { Runtime } from "../runtime/types.ts";
import { Admin as AdminClient, type AdminOptions as AdminClientOptions } from "./client/admin.ts";
import {
  Consumer as ConsumerClient,
  type ConsumerOptions as ConsumerClientOptions,
} from "./client/consumer.ts";
import {
  Producer as ProducerClient,
  type ProducerOptions as ProducerClientOptions,
} from "./client/producer.ts";
import {
  type RunningBroker,
  startBroker as startBrokerOn,
  type StartBrokerOptions as ServerOptions,
} from "./server/start-broker.ts";

let hostRuntime: Promise<Runtime> | null = null;

/** The Runtime of the host this code runs on, loaded once. */
export function hostRuntimeOnce(): Promise<Runtime> {
  return (hostRuntime ??= loadRuntime());
}

// Constructors are synchronous, so the host Runtime is loaded when this module loads.
const defaultRuntime: Runtime = await hostRuntimeOnce();

/** Options can name the Runtime to run on; by default, the host's. */
export interface WithRuntime {
  runtime?: Runtime;
}

export type StartBrokerOptions = ServerOptions & WithRuntime;
export type ProducerOptions = ProducerClientOptions & WithRuntime;
export type ConsumerOptions = ConsumerClientOptions & WithRuntime;
export type AdminOptions = AdminClientOptions & WithRuntime;

/**
 * Starts a broker inside this process: on a data directory (default ./data) or entirely in
 * memory with `{ storage: "memory" }`. Same code as `tributary serve`.
 */
export function startBroker(options: StartBrokerOptions = {}): Promise<RunningBroker> {
  const { runtime, ...rest } = options;
  return startBrokerOn(runtime ?? defaultRuntime, rest);
}

export class Producer extends ProducerClient {
  constructor(options: ProducerOptions) {
    super(options.runtime ?? defaultRuntime, options);
  }
}

export class Consumer extends ConsumerClient {
  constructor(options: ConsumerOptions) {
    super(options.runtime ?? defaultRuntime, options);
  }
}

export class Admin extends AdminClient {
  constructor(options: AdminOptions) {
    super(options.runtime ?? defaultRuntime, options);
  }
}

export type { RunningBroker } from "./server/start-broker.ts";
export type {
  ConsumerRecord,
  GroupConsumerOptions,
  OffsetResetPolicy,
  RebalanceCallback,
  TopicPartition,
} from "./client/consumer.ts";
export type {
  GroupDescription,
  GroupListing,
  GroupOffset,
  ResetOffsetsSpec,
} from "./client/group-admin.ts";
export type { OffsetCommitEntry } from "./protocol/cbor/ops/offset-commit.ts";
export type { AcksOption } from "./client/producer.ts";
export type { CreateTopicOptions } from "./client/admin.ts";
export type {
  HeadersInput,
  ProducerRecord,
  RecordData,
  RecordMetadata,
} from "./client/record-input.ts";
export type { RecordHeader } from "./client/accumulator.ts";
export type {
  BrokerMetadata,
  PartitionDescription,
  TopicDescription,
  TopicSummary,
} from "./model/descriptions.ts";
export type { ListOffsetsResult, OffsetSpec } from "./model/offsets.ts";
export type { Runtime, RuntimeName } from "../runtime/types.ts";
export { ErrorCode, isErrorCode, TributaryError } from "./model/errors.ts";
export type { ErrorCodeName } from "./model/errors.ts";
export {
  BATCH_HEADER_BYTES,
  batchesIn,
  decodeRecords,
  decodeRecordsAsync,
  encodeBatch,
  lastOffsetOf,
  readBatchHeader,
  validateBatch,
} from "./log/record-batch.ts";
export type { BatchHeader, BatchInput, DecodedRecord, RecordInput } from "./log/record-batch.ts";
export { murmur2, partitionForKey } from "./model/partitioner.ts";
export { VERSION } from "./version.ts";
