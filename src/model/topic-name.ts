// Kafka's topic naming rules, so names valid here are valid on a Kafka cluster and back.
import { TributaryError } from "./errors.ts";

export const TOPIC_NAME_CHARS_MAX = 249;

/** Topics the broker keeps for itself; their directories would collide with user topics. */
export const METADATA_TOPIC = "__cluster_metadata";
/** The consumer groups' committed offsets and metadata (src/coordinator); broker-created only. */
export const CONSUMER_OFFSETS_TOPIC = "__consumer_offsets";

const LEGAL = /^[a-zA-Z0-9._-]+$/;

/**
 * Throws INVALID_TOPIC_EXCEPTION unless name is a legal, non-reserved Kafka topic name. With
 * `internal` (the broker creating its own topics) internal topic names are allowed.
 */
export function validateTopicName(
  name: unknown,
  options: { internal?: boolean } = {},
): asserts name is string {
  if (typeof name !== "string" || name.length === 0) {
    throw new TributaryError("INVALID_TOPIC_EXCEPTION", "topic name must be a non-empty string");
  }
  if (name === "." || name === "..") {
    throw new TributaryError("INVALID_TOPIC_EXCEPTION", `topic name cannot be "${name}"`);
  }
  if (name.length > TOPIC_NAME_CHARS_MAX) {
    throw new TributaryError(
      "INVALID_TOPIC_EXCEPTION",
      `topic name is ${name.length} characters, at most ${TOPIC_NAME_CHARS_MAX} allowed`,
    );
  }
  if (!LEGAL.test(name)) {
    throw new TributaryError(
      "INVALID_TOPIC_EXCEPTION",
      `topic name "${name}" may only contain ASCII letters, digits, '.', '_' and '-'`,
    );
  }
  if (name === METADATA_TOPIC || (name === CONSUMER_OFFSETS_TOPIC && options.internal !== true)) {
    throw new TributaryError("INVALID_TOPIC_EXCEPTION", `topic name "${name}" is reserved`);
  }
}

/**
 * Kafka refuses topics whose names differ only in '.' versus '_', because metric names
 * replace '.' with '_' and the two would report into the same series.
 */
export function collisionKey(name: string): string {
  return name.replaceAll(".", "_");
}
