// What a broker is started with, and the bounds every option is checked against.
import { TributaryError } from "../model/errors.ts";
import type { MetricsRegistry } from "../metrics/registry.ts";
import { type Logger, silentLogger } from "../logging/logger.ts";
import { PRODUCER_ID_EXPIRATION_MS_DEFAULT } from "./producer-state.ts";
import { normalizeTopicConfigs } from "./topic-config.ts";
import { OPEN_FILES_MAX_FLOOR } from "./open-files.ts";
import type { CommittedImage } from "../metadata/committed-image.ts";
import type { MetadataWriter } from "./metadata-writer.ts";
import type { PartitionDelta } from "../metadata/delta.ts";
import type { Partition } from "./partition.ts";
import type { ReplicaRoles } from "./replica-roles.ts";

/**
 * A broker in a cluster: the controller side is elsewhere (a writer that commits through the
 * quorum, and the image the broker follows the committed metadata log into).
 */
export interface BrokerClusterOptions {
  writer: MetadataWriter;
  committed: CommittedImage;
  /** The active controller's id as last known; null while there is none. */
  controllerId(): number | null;
  /**
   * Told when a hosted partition was opened or its leadership or replicas changed, after the
   * catalog updated it (where the replica manager starts leading or following). Default: nothing.
   */
  onRoleChange?: (partition: Partition, delta: PartitionDelta) => void;
  /**
   * The replica manager's side of every hosted partition: leading, following, the high
   * watermark and acks=all (replica-roles.ts). Without it partitions are led as on one node.
   */
  roles?: ReplicaRoles;
  /**
   * This process's registration (Kafka's incarnation id): once the image shows it unfenced, the
   * image has caught up and the catalog removes stray replica directories (stray-dirs.ts).
   */
  incarnationId?: string;
}

export interface BrokerOptions {
  nodeId: number;
  dataDir: string;
  /** Advertised host of the CBOR and HTTP listeners (the broker does not listen itself). */
  host: string;
  /** Advertised CBOR-over-TCP port; Broker.advertise() updates it once a listener is bound. */
  port: number;
  httpPort?: number;
  /** Checked against (or written to) dataDir/meta.properties; random on first start. */
  clusterId?: string;
  /** Produce, metadata and partitionCount create unknown topics (default false). */
  autoCreateTopics?: boolean;
  /** Partitions of topics created without a count (default 1). */
  defaultPartitions?: number;
  /** Broker-wide overrides of Kafka's topic config defaults. */
  defaultTopicConfigs?: Record<string, string>;
  metrics?: MetricsRegistry;
  /** Where the broker's events go (default: nowhere). */
  logger?: Logger;
  /**
   * producer.id.expiration.ms: an idempotent producer's state is kept this long after its last
   * batch (default one day, Kafka's); checked at every retention run.
   */
  producerIdExpirationMs?: number;
  /** How often retention runs over every log (default 5 minutes). */
  retentionCheckIntervalMs?: number;
  /** Pause between log cleaning runs over the compacted logs (Kafka: log.cleaner.backoff.ms). */
  cleanerIntervalMs?: number;
  /** Key map memory of one cleaning pass (Kafka: log.cleaner.dedupe.buffer.size; 32 MiB). */
  cleanerOffsetMapBytesMax?: number;
  /** Longest a fetch may wait for minBytes, whatever it asks for (default 30 s). */
  fetchWaitMsMax?: number;
  /** Fetches waiting at once; beyond it fetches answer at once (default 10,000). */
  parkedFetchesMax?: number;
  /**
   * Take dataDir/.lock so no second broker opens the directory (default true; false only for
   * a file system no other process can see, such as `--memory` storage).
   */
  lockDataDir?: boolean;
  /**
   * File descriptors the data directory may hold open at once (log.open.files.max); idle ones
   * are closed and reopened on demand. Default: half the process limit (open-files.ts).
   */
  openFilesMax?: number;
  /** Cluster mode (absent: the single-node broker with its local metadata log). */
  cluster?: BrokerClusterOptions;
}

/** Partition indexes of at most 4 digits keep `<249-character topic>-<partition>` within 255 bytes. */
export const PARTITIONS_PER_TOPIC_MAX = 10_000;
const RETENTION_CHECK_INTERVAL_MS_DEFAULT = 5 * 60 * 1000;
const CLEANER_INTERVAL_MS_DEFAULT = 15_000;
const CLEANER_OFFSET_MAP_BYTES_MAX_DEFAULT = 32 * 1024 * 1024;
const FETCH_WAIT_MS_MAX_DEFAULT = 30_000;
const PARKED_FETCHES_MAX_DEFAULT = 10_000;

export type ResolvedBrokerOptions =
  & Required<
    Omit<
      BrokerOptions,
      "httpPort" | "clusterId" | "metrics" | "logger" | "openFilesMax" | "cluster"
    >
  >
  & Pick<BrokerOptions, "httpPort" | "clusterId" | "metrics" | "openFilesMax" | "cluster">
  & { logger: Logger };

function checkInt(name: string, value: number, min: number, max: number): number {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new TributaryError("INVALID_CONFIG", `${name} must be an integer in [${min}, ${max}]`);
  }
  return value;
}

export function resolveBrokerOptions(options: BrokerOptions): ResolvedBrokerOptions {
  if (typeof options.dataDir !== "string" || options.dataDir.length === 0) {
    throw new TributaryError("INVALID_CONFIG", "dataDir must be a non-empty path");
  }
  const intMax = 2 ** 31 - 1;
  return {
    ...options,
    nodeId: checkInt("nodeId", options.nodeId, 0, intMax),
    port: checkInt("port", options.port, 0, 65535),
    autoCreateTopics: options.autoCreateTopics ?? false,
    lockDataDir: options.lockDataDir ?? true,
    logger: options.logger ?? silentLogger,
    defaultPartitions: checkInt(
      "defaultPartitions",
      options.defaultPartitions ?? 1,
      1,
      PARTITIONS_PER_TOPIC_MAX,
    ),
    defaultTopicConfigs: normalizeTopicConfigs(options.defaultTopicConfigs ?? {}),
    producerIdExpirationMs: checkInt(
      "producerIdExpirationMs",
      options.producerIdExpirationMs ?? PRODUCER_ID_EXPIRATION_MS_DEFAULT,
      1,
      Number.MAX_SAFE_INTEGER,
    ),
    retentionCheckIntervalMs: checkInt(
      "retentionCheckIntervalMs",
      options.retentionCheckIntervalMs ?? RETENTION_CHECK_INTERVAL_MS_DEFAULT,
      1,
      intMax,
    ),
    cleanerIntervalMs: checkInt(
      "cleanerIntervalMs",
      options.cleanerIntervalMs ?? CLEANER_INTERVAL_MS_DEFAULT,
      1,
      intMax,
    ),
    cleanerOffsetMapBytesMax: checkInt(
      "cleanerOffsetMapBytesMax",
      options.cleanerOffsetMapBytesMax ?? CLEANER_OFFSET_MAP_BYTES_MAX_DEFAULT,
      1024,
      intMax,
    ),
    fetchWaitMsMax: checkInt(
      "fetchWaitMsMax",
      options.fetchWaitMsMax ?? FETCH_WAIT_MS_MAX_DEFAULT,
      0,
      intMax,
    ),
    parkedFetchesMax: checkInt(
      "parkedFetchesMax",
      options.parkedFetchesMax ?? PARKED_FETCHES_MAX_DEFAULT,
      0,
      intMax,
    ),
    openFilesMax: options.openFilesMax === undefined
      ? undefined
      : checkInt("openFilesMax", options.openFilesMax, OPEN_FILES_MAX_FLOOR, intMax),
  };
}
