// What every Kafka request handler is given: the broker core the other faces use too, and how
// this listener is reached (for Metadata's broker list on a single node).

import type { BrokerApi } from "../../../broker/types.ts";
import type { LogFields, Logger } from "../../../logging/logger.ts";

export interface KafkaContext {
  broker: BrokerApi;
  logger: Logger;
  /** Aborts when the connection closes (for waits such as a long-polling fetch). */
  signal?: AbortSignal;
  /** A client-triggered event worth a (rate-limited) warning line, e.g. a refused batch. */
  report?: (event: string, message: string, fields: LogFields) => void;
}
