// Kafka's numeric error codes for our TributaryErrors: the codes are Kafka's names already
// (src/model/errors.ts carries each one's number), so this is a lookup, and an error that has
// no Kafka counterpart is UNKNOWN_SERVER_ERROR (-1).

import { ErrorCode, isErrorCode, TributaryError } from "../../model/errors.ts";

export const NONE = 0;
export const UNKNOWN_SERVER_ERROR = -1;

export const KafkaError = {
  CORRUPT_MESSAGE: 2,
  UNKNOWN_TOPIC_OR_PARTITION: 3,
  LEADER_NOT_AVAILABLE: 5,
  COORDINATOR_LOAD_IN_PROGRESS: 14,
  COORDINATOR_NOT_AVAILABLE: 15,
  NOT_COORDINATOR: 16,
  ILLEGAL_GENERATION: 22,
  INCONSISTENT_GROUP_PROTOCOL: 23,
  INVALID_GROUP_ID: 24,
  UNKNOWN_MEMBER_ID: 25,
  INVALID_SESSION_TIMEOUT: 26,
  REBALANCE_IN_PROGRESS: 27,
  INVALID_COMMIT_OFFSET_SIZE: 28,
  UNSUPPORTED_VERSION: 35,
  INVALID_REQUEST: 42,
  KAFKA_STORAGE_ERROR: 56,
  NON_EMPTY_GROUP: 68,
  GROUP_ID_NOT_FOUND: 69,
  MEMBER_ID_REQUIRED: 79,
  GROUP_MAX_SIZE_REACHED: 81,
  FENCED_INSTANCE_ID: 82,
} as const;

/**
 * Codes only the admin, producer-id and SASL APIs answer, with no TributaryError behind them
 * (kept apart from KafkaError so merges with the group APIs stay simple).
 */
export const KafkaAdminError = {
  UNSUPPORTED_SASL_MECHANISM: 33,
  ILLEGAL_SASL_STATE: 34,
  INVALID_CONFIG: 40,
  INVALID_REQUEST: 42,
  POLICY_VIOLATION: 44,
  TRANSACTIONAL_ID_AUTHORIZATION_FAILED: 53,
  UNKNOWN_TOPIC_ID: 100,
} as const;

/** The Kafka error code of a thrown value (TributaryError or anything else). */
export function kafkaErrorCode(err: unknown): number {
  return err instanceof TributaryError ? err.kafkaCode : UNKNOWN_SERVER_ERROR;
}

/** The Kafka error code of an error name (as the coordinator reports per-member results). */
export function kafkaCodeOfName(name: string | null): number {
  if (name === null) return NONE;
  return isErrorCode(name) ? ErrorCode[name].kafka : UNKNOWN_SERVER_ERROR;
}
