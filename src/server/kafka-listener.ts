// The Kafka wire protocol listener of a node (single or cluster), when its port is set: the
// same broker core, the node's connection limits, its logger. Returns the bound port (null when
// off) and registers its closer first, so it stops taking requests before the broker closes.

import type { Runtime } from "../../runtime/types.ts";
import type { BrokerApi } from "../broker/types.ts";
import type { Logger } from "../logging/logger.ts";
import { TributaryError } from "../model/errors.ts";
import { serveKafka } from "../protocol/kafka/server/server.ts";
import type { Closer } from "./close-all.ts";
import { definedOnly, type StartBrokerOptions } from "./node-parts.ts";

export async function startKafka(
  rt: Runtime,
  broker: BrokerApi,
  options: StartBrokerOptions & { host: string; logger: Logger },
  closers: Closer[],
): Promise<number | null> {
  const port = options.kafkaPort;
  if (port === null || port === undefined) return null;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new TributaryError(
      "INVALID_CONFIG",
      `kafka.port must be in [0, 65535] or -1, got ${port}`,
    );
  }
  const server = await serveKafka(rt, broker, {
    host: options.host,
    port,
    logger: options.logger,
    ...definedOnly({
      requestBytesMax: options.kafkaRequestBytesMax,
      connectionsMax: options.connectionsMax,
      idleMsMax: options.connectionsIdleMsMax,
    }),
    ...(options.onUnexpectedError ? { onUnexpectedError: options.onUnexpectedError } : {}),
  });
  closers.unshift({ name: "kafka listener", close: () => server.close() });
  return server.port;
}
