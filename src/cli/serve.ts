// `tributary serve`: runs one broker node until SIGINT or SIGTERM, then stops it cleanly
// (listeners stop accepting, in-flight requests finish, the log is flushed and closed with
// clean-shutdown markers). Prints one line with its addresses once it listens.

import type { Broker } from "../broker/broker.ts";
import { assert } from "../model/errors.ts";
import { EXIT_SOFTWARE } from "../model/invariant.ts";
import { startBroker } from "../server/start-broker.ts";
import { VERSION } from "../version.ts";
import {
  boolFlag,
  expectPositionals,
  intFlag,
  parseArgs,
  stringFlag,
  UsageError,
} from "../args/args.ts";
import { type CliRuntime, io } from "./client-flags.ts";
import { describeError } from "./output.ts";
import { list, parseServerConfig, type ServeConfig } from "./server-config.ts";
import { resolveClusterOptions } from "./cluster-config.ts";
import { KAFKA_PORT_DEFAULT } from "../protocol/kafka/server/server.ts";
import { startClusterNode, startControllerNode } from "../server/start-cluster-node.ts";
import { createLogger, isLogLevel, LOG_LEVELS, type Logger } from "../logging/logger.ts";

/** Names the topic whose creation fails an invariant (a test hook; unset in production). */
export const TEST_INVARIANT_TOPIC_ENV = "TRIBUTARY_TEST_INVARIANT_TOPIC";

const specs = {
  "data-dir": { type: "string" },
  host: { type: "string" },
  "http-port": { type: "integer" },
  "kafka-port": { type: "integer" },
  port: { type: "integer" },
  "node-id": { type: "integer" },
  config: { type: "string" },
  memory: { type: "boolean" },
  "auto-create-topics": { type: "boolean" },
  "no-auto-create-topics": { type: "boolean" },
  "open-files-max": { type: "integer" },
  "log-level": { type: "string" },
  "log-format": { type: "string" },
  "http-cors-origins": { type: "string" },
  "http-allowed-hosts": { type: "string" },
  "process-roles": { type: "string" },
  "controller-quorum": { type: "string" },
  "controller-port": { type: "integer" },
  rack: { type: "string" },
  "advertised-host": { type: "string" },
} as const;

/** The cluster flags and the setting each overrides (cluster-config.ts checks them). */
const clusterFlags = [
  ["process-roles", "processRoles"],
  ["controller-quorum", "quorumVoters"],
  ["rack", "rack"],
  ["advertised-host", "advertisedHost"],
] as const;

export async function serveCommand(rt: CliRuntime, argv: readonly string[]): Promise<void> {
  const args = parseArgs(argv, specs);
  expectPositionals(
    args,
    [],
    "tributary serve [--data-dir DIR] [--host H] [--http-port N] [--port N] [--kafka-port N] " +
      "[--node-id N] " +
      "[--controller-quorum ID@HOST:PORT,...]",
  );
  const options = await optionsOf(rt, args);
  const cluster = resolveClusterOptions(options.cluster ?? {}, options);
  const { logger, flushed } = loggerOf(rt, args, options);
  let stop!: () => void;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  let signals = 0;
  const onSignal = () => {
    // The first signal stops gracefully; a second one means "now", as with most servers.
    if (++signals === 1) stop();
    else io(rt).exit(130);
  };
  const offs = (["SIGINT", "SIGTERM"] as const).map((s) => io(rt).onSignal(s, onSignal));
  try {
    const { logLevel: _level, logFormat: _format, cluster: _cluster, ...brokerOptions } = options;
    const nodeOptions = {
      ...brokerOptions,
      logger,
      onUnexpectedError: (err: unknown) =>
        logger.error("server.unexpected_error", `unexpected error: ${describeError(err)}`),
    };
    const nodeHooks = {
      // Logged already: once the line is out, stop without carrying on or closing cleanly.
      onFatalInvariant: () => void flushed().then(() => io(rt).exit(EXIT_SOFTWARE)),
    };
    if (cluster !== null && !cluster.processRoles.includes("broker")) {
      // A controller-only node: a quorum voter with no client listeners.
      const controller = await startControllerNode(rt, { ...nodeOptions, cluster }, nodeHooks);
      const where = options.storage === "memory" ? "memory" : (options.dataDir ?? "./data");
      await io(rt).writeStdout(
        `tributary ${VERSION} serving nodeId=${controller.nodeId} runtime=${rt.name} controller=${controller.host}:${controller.controllerPort} data=${where}\n`,
      );
      await stopped;
      logger.info("server.stopping", "shutting down the controller");
      await controller.close();
      return;
    }
    const node = cluster === null
      ? await startBroker(rt, nodeOptions, nodeHooks)
      : await startClusterNode(rt, { ...nodeOptions, cluster }, nodeHooks);
    failInvariantOnTopic(rt, node.broker);
    const http = node.httpUrl ?? "off";
    const kafka = node.kafkaPort === null ? "off" : `${node.host}:${node.kafkaPort}`;
    const where = options.storage === "memory" ? "memory" : (options.dataDir ?? "./data");
    await io(rt).writeStdout(
      `tributary ${VERSION} serving nodeId=${node.nodeId} runtime=${rt.name} bootstrap=${node.bootstrap} http=${http} kafka=${kafka} data=${where}\n`,
    );
    await stopped;
    logger.info("server.stopping", "shutting down: listeners stop, in-flight requests finish");
    const stoppingMs = rt.clock.monotonicMs();
    await node.close();
    logger.info("server.stopped", "stopped cleanly", {
      durationMs: Math.round(rt.clock.monotonicMs() - stoppingMs),
    });
  } finally {
    for (const off of offs) off();
    await flushed();
  }
}

/**
 * Test hook, off unless the environment sets it (docs/invariants.md): creating the topic named
 * by TRIBUTARY_TEST_INVARIANT_TOPIC fails an invariant in a topic listener, global state no
 * partition contains, so the end-to-end suites can watch a real broker process stop on one.
 */
function failInvariantOnTopic(rt: CliRuntime, broker: Broker): void {
  const name = io(rt).env(TEST_INVARIANT_TOPIC_ENV);
  if (name === undefined || name === "") return;
  broker.onTopicChange((topic, partitions) => {
    assert(topic !== name || partitions === 0, `test hook: topic ${name} must not be created`);
  });
}

async function optionsOf(
  rt: CliRuntime,
  args: ReturnType<typeof parseArgs>,
): Promise<ServeConfig> {
  const file = stringFlag(args, "config");
  const options: ServeConfig = file
    ? parseServerConfig(new TextDecoder().decode(await rt.fs.readFile(file)), file)
    : {};
  const dataDir = stringFlag(args, "data-dir");
  if (dataDir !== undefined) options.dataDir = dataDir;
  const host = stringFlag(args, "host");
  if (host !== undefined) options.host = host;
  const port = intFlag(args, "port");
  if (port !== undefined) options.port = checkPort("--port", port);
  const httpPort = intFlag(args, "http-port");
  if (httpPort !== undefined) {
    options.httpPort = httpPort < 0 ? null : checkPort("--http-port", httpPort);
  }
  const kafkaPort = intFlag(args, "kafka-port");
  if (kafkaPort !== undefined) {
    options.kafkaPort = kafkaPort < 0 ? null : checkPort("--kafka-port", kafkaPort);
  }
  // Kafka clients expect 9092 (docs/kafka.md); -1 (or kafka.port=-1) turns the listener off.
  if (options.kafkaPort === undefined) options.kafkaPort = KAFKA_PORT_DEFAULT;
  const nodeId = intFlag(args, "node-id");
  if (nodeId !== undefined) options.nodeId = nodeId;
  if (boolFlag(args, "memory")) options.storage = "memory";
  if (boolFlag(args, "auto-create-topics") && boolFlag(args, "no-auto-create-topics")) {
    throw new UsageError("--auto-create-topics and --no-auto-create-topics contradict each other");
  }
  if (boolFlag(args, "auto-create-topics")) options.autoCreateTopics = true;
  if (boolFlag(args, "no-auto-create-topics")) options.autoCreateTopics = false;
  // Kafka's auto.create.topics.enable is on unless configured off, so programs that write to a
  // topic nobody created run as written (docs/kafka.md, "Auto-creation").
  if (options.autoCreateTopics === undefined) options.autoCreateTopics = true;
  const corsOrigins = stringFlag(args, "http-cors-origins");
  if (corsOrigins !== undefined) options.httpCorsOrigins = list(corsOrigins);
  const allowedHosts = stringFlag(args, "http-allowed-hosts");
  if (allowedHosts !== undefined) options.httpAllowedHosts = list(allowedHosts);
  const openFilesMax = intFlag(args, "open-files-max");
  if (openFilesMax !== undefined) options.openFilesMax = openFilesMax;
  for (const [flag, field] of clusterFlags) {
    const value = stringFlag(args, flag);
    if (value !== undefined) (options.cluster ??= {})[field] = value;
  }
  const controllerPort = intFlag(args, "controller-port");
  if (controllerPort !== undefined) (options.cluster ??= {}).controllerPort = controllerPort;
  // The broker-wide min.insync.replicas is the default of the topic config, on one node too.
  const minIsr = options.cluster?.minInsyncReplicas;
  if (minIsr !== undefined) {
    options.topicDefaults = { ...options.topicDefaults, "min.insync.replicas": String(minIsr) };
  }
  return options;
}

/** --log-level / --log-format (or log.level / log.format in the config file); stderr, one line each. */
function loggerOf(
  rt: CliRuntime,
  args: ReturnType<typeof parseArgs>,
  options: ServeConfig,
): { logger: Logger; flushed: () => Promise<void> } {
  const level = stringFlag(args, "log-level") ?? options.logLevel ?? "info";
  if (!isLogLevel(level)) {
    throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(", ")}, got "${level}"`);
  }
  const format = stringFlag(args, "log-format") ?? options.logFormat ?? "text";
  if (format !== "text" && format !== "json") {
    throw new UsageError(`--log-format must be text or json, got "${format}"`);
  }
  const stderr = io(rt);
  // Writes still on their way when serve returns would be cut off by the process exit.
  const pending = new Set<Promise<void>>();
  const logger = createLogger({
    level,
    format,
    nowMs: () => rt.clock.nowMs(),
    write: (line) => {
      // stderr failing leaves nowhere to report to; never crash the broker over a log line.
      const written = stderr.writeStderr(line).then(undefined, () => undefined);
      pending.add(written);
      void written.then(() => pending.delete(written));
    },
  });
  return { logger, flushed: () => Promise.all(pending).then(() => undefined) };
}

function checkPort(flag: string, port: number): number {
  if (port < 0 || port > 65535) {
    throw new UsageError(`${flag} must be between 0 and 65535, got ${port}`);
  }
  return port;
}
