// The composition of one broker node: the Broker on its data directory (or an in-memory file
// system), the CBOR-over-TCP listener and the HTTP API, sharing one metrics registry. The CLI's
// `serve` and embedded mode (`startBroker` from the package entry) both come through here, so a
// test suite's embedded broker runs exactly the server's code. A cluster node (options.cluster)
// is put together in start-cluster-node.ts from the same parts (node-parts.ts).

import type { Runtime } from "../../runtime/types.ts";
import { MemoryFileSystem } from "../../runtime/memory/mod.ts";
import { Broker } from "../broker/broker.ts";
import { GroupService } from "../coordinator/group-service.ts";
import { HttpMembers } from "../coordinator/http-members.ts";
import { TributaryError } from "../model/errors.ts";
import { MetricsRegistry } from "../metrics/registry.ts";
import { serveProtocol } from "../protocol/cbor/server/server.ts";
import { singleNodeController } from "./single-node-controller.ts";
import { VERSION } from "../version.ts";
import { silentLogger } from "../logging/logger.ts";
import { closeAll, type Closer } from "./close-all.ts";
import { startKafka } from "./kafka-listener.ts";
import {
  checkConnectionLimits,
  definedOnly,
  running,
  type RunningBroker,
  type StartBrokerHooks,
  type StartBrokerOptions,
  startHttp,
  stopOnFatalInvariant,
} from "./node-parts.ts";

export {
  HTTP_HEADERS_TIMEOUT_MS_DEFAULT,
  type RunningBroker,
  type StartBrokerHooks,
  type StartBrokerOptions,
} from "./node-parts.ts";

const memoryDataDir = "/tributary";
/** Bound on closing the broker (its log) at shutdown; the grace period bounds the rest. */
const BROKER_CLOSE_MS_MAX = 120_000;

export async function startBroker(
  rt: Runtime,
  options: StartBrokerOptions = {},
  hooks: StartBrokerHooks = {},
): Promise<RunningBroker> {
  const host = options.host ?? "127.0.0.1";
  const nodeId = options.nodeId ?? 1;
  const storage = options.storage ?? "disk";
  if (storage !== "disk" && storage !== "memory") {
    throw new TributaryError(
      "INVALID_CONFIG",
      `storage must be "disk" or "memory", got "${String(storage)}"`,
    );
  }
  const hostRt: Runtime = storage === "memory"
    ? { ...rt, fs: new MemoryFileSystem({ random: rt.random, dirtyOpsMax: 0 }) }
    : rt;
  const metrics = new MetricsRegistry();
  const logger = options.logger ?? silentLogger;
  const onUnexpectedError = options.onUnexpectedError;
  const closers: Closer[] = [];
  const graceMs = options.shutdownGraceMsMax ?? 10_000;
  checkConnectionLimits(options);
  let closing: Promise<void> | null = null;
  const close = () => (closing ??= closeAll(closers, rt.timers, graceMs).finally(() => offFatal()));
  const offFatal = stopOnFatalInvariant(
    logger,
    hooks.onFatalInvariant ?? ((violation) => {
      void close();
      onUnexpectedError?.(violation);
    }),
  );
  try {
    const broker = await Broker.open(hostRt, {
      nodeId,
      dataDir: storage === "memory" ? memoryDataDir : (options.dataDir ?? "./data"),
      host,
      port: options.port ?? 9093,
      autoCreateTopics: options.autoCreateTopics ?? false,
      // An in-memory file system is this broker's alone: nothing to lock against.
      lockDataDir: storage !== "memory",
      metrics,
      logger,
      ...(options.topicDefaults ? { defaultTopicConfigs: options.topicDefaults } : {}),
      ...(options.defaultPartitions ? { defaultPartitions: options.defaultPartitions } : {}),
      ...(options.producerIdExpirationMs !== undefined
        ? { producerIdExpirationMs: options.producerIdExpirationMs }
        : {}),
      ...(options.retentionCheckIntervalMs !== undefined
        ? { retentionCheckIntervalMs: options.retentionCheckIntervalMs }
        : {}),
      ...(options.openFilesMax !== undefined ? { openFilesMax: options.openFilesMax } : {}),
    });
    // Closing the log flushes, checkpoints and marks every partition (a few fsyncs each): with
    // thousands of partitions that outlasts the listeners' grace period, and cutting it short
    // would leave the log to recovery.
    closers.push({
      name: "broker",
      close: () => broker.close(),
      closeMsMax: Math.max(graceMs, BROKER_CLOSE_MS_MAX),
    });
    const groups = await GroupService.start(hostRt, broker, {
      ...(options.offsetsTopicPartitions
        ? { offsetsTopicPartitions: options.offsetsTopicPartitions }
        : {}),
      ...(options.groupCoordinator ? { config: options.groupCoordinator } : {}),
      logger,
      ...(onUnexpectedError
        ? { report: (_what: string, err: unknown) => onUnexpectedError(err) }
        : {}),
    });
    closers.unshift({ name: "group coordinator", close: () => groups.close() });
    const protocol = await serveProtocol(hostRt, broker, {
      host,
      port: options.port ?? 9093,
      metrics,
      version: VERSION,
      groups,
      logger,
      controller: singleNodeController(broker),
      ...definedOnly({
        connectionsMax: options.connectionsMax,
        connectionsPerIpMax: options.connectionsPerIpMax,
        idleMsMax: options.connectionsIdleMsMax,
        connectionResponseBytesMax: options.connectionResponseBytesMax,
        responseBytesMax: options.responseBytesMax,
      }),
      ...(onUnexpectedError ? { onUnexpectedError } : {}),
    });
    closers.unshift({ name: "protocol listener", close: () => protocol.close() });
    const httpMembers = new HttpMembers(groups, broker, hostRt);
    const httpPort = await startHttp(
      hostRt,
      broker,
      { ...options, host, nodeId, metrics, groups, httpMembers },
      closers,
    );
    const kafkaPort = await startKafka(
      hostRt,
      broker,
      { ...options, host, logger, groups },
      closers,
    );
    broker.advertise({
      port: protocol.port,
      ...(httpPort !== null ? { httpPort } : {}),
      ...(kafkaPort !== null ? { kafkaPort } : {}),
    });
    return running({
      nodeId,
      host,
      port: protocol.port,
      httpPort,
      kafkaPort,
      broker,
      groups,
      metrics,
      close,
    });
  } catch (err) {
    await close();
    throw err;
  }
}
