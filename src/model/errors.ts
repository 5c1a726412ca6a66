// Typed errors with stable codes. Names and numeric codes follow Kafka's protocol error table
// where one fits, so a later Kafka-protocol listener maps them one to one. Each code says
// whether a client may retry the same request unchanged.
//
// Mapping to HTTP statuses lives in src/http (one onError); mapping to wire error frames lives
// in src/protocol/cbor. Everything else only throws TributaryError.
//
// assert() and its InvariantViolation live in src/model/invariant.ts: a violation is a bug, not one of
// these codes, and whatever maps errors to answers escalates it there instead of carrying on.
import {
  assert,
  escalateInvariant,
  InvariantViolation,
  uncontainedInvariantIn,
} from "./invariant.ts";

export { assert, InvariantViolation };

export const ErrorCode = {
  UNKNOWN_SERVER_ERROR: { kafka: -1, retriable: false, http: 500 },
  OFFSET_OUT_OF_RANGE: { kafka: 1, retriable: false, http: 416 },
  CORRUPT_MESSAGE: { kafka: 2, retriable: true, http: 400 },
  UNKNOWN_TOPIC_OR_PARTITION: { kafka: 3, retriable: true, http: 404 },
  INVALID_FETCH_SIZE: { kafka: 4, retriable: false, http: 400 },
  LEADER_NOT_AVAILABLE: { kafka: 5, retriable: true, http: 503 },
  NOT_LEADER_OR_FOLLOWER: { kafka: 6, retriable: true, http: 503 },
  REQUEST_TIMED_OUT: { kafka: 7, retriable: true, http: 504 },
  BROKER_NOT_AVAILABLE: { kafka: 8, retriable: true, http: 503 },
  MESSAGE_TOO_LARGE: { kafka: 10, retriable: false, http: 413 },
  NETWORK_EXCEPTION: { kafka: 13, retriable: true, http: 503 },
  COORDINATOR_LOAD_IN_PROGRESS: { kafka: 14, retriable: true, http: 503 },
  COORDINATOR_NOT_AVAILABLE: { kafka: 15, retriable: true, http: 503 },
  NOT_COORDINATOR: { kafka: 16, retriable: true, http: 503 },
  INVALID_TOPIC_EXCEPTION: { kafka: 17, retriable: false, http: 400 },
  RECORD_LIST_TOO_LARGE: { kafka: 18, retriable: false, http: 413 },
  NOT_ENOUGH_REPLICAS: { kafka: 19, retriable: true, http: 503 },
  // Written, but the ISR shrank below min.insync.replicas before the HW passed it: retrying may
  // write the batch twice (an idempotent producer's retry is recognised).
  NOT_ENOUGH_REPLICAS_AFTER_APPEND: { kafka: 20, retriable: true, http: 503 },
  INVALID_REQUIRED_ACKS: { kafka: 21, retriable: false, http: 400 },
  ILLEGAL_GENERATION: { kafka: 22, retriable: false, http: 409 },
  INCONSISTENT_GROUP_PROTOCOL: { kafka: 23, retriable: false, http: 409 },
  INVALID_GROUP_ID: { kafka: 24, retriable: false, http: 400 },
  UNKNOWN_MEMBER_ID: { kafka: 25, retriable: false, http: 404 },
  INVALID_SESSION_TIMEOUT: { kafka: 26, retriable: false, http: 400 },
  REBALANCE_IN_PROGRESS: { kafka: 27, retriable: false, http: 409 },
  INVALID_COMMIT_OFFSET_SIZE: { kafka: 28, retriable: false, http: 400 },
  INVALID_TIMESTAMP: { kafka: 32, retriable: false, http: 400 },
  UNSUPPORTED_VERSION: { kafka: 35, retriable: false, http: 400 },
  TOPIC_ALREADY_EXISTS: { kafka: 36, retriable: false, http: 409 },
  INVALID_PARTITIONS: { kafka: 37, retriable: false, http: 400 },
  INVALID_REPLICATION_FACTOR: { kafka: 38, retriable: false, http: 400 },
  INVALID_REPLICA_ASSIGNMENT: { kafka: 39, retriable: false, http: 400 },
  INVALID_REQUEST: { kafka: 42, retriable: false, http: 400 },
  INVALID_CONFIG: { kafka: 40, retriable: false, http: 400 },
  // A controller request reached a node that is not the quorum's leader; the answer names it.
  NOT_CONTROLLER: { kafka: 41, retriable: true, http: 503 },
  OUT_OF_ORDER_SEQUENCE_NUMBER: { kafka: 45, retriable: false, http: 409 },
  DUPLICATE_SEQUENCE_NUMBER: { kafka: 46, retriable: false, http: 409 },
  INVALID_PRODUCER_EPOCH: { kafka: 47, retriable: false, http: 409 },
  KAFKA_STORAGE_ERROR: { kafka: 56, retriable: true, http: 500 },
  UNKNOWN_PRODUCER_ID: { kafka: 59, retriable: false, http: 409 },
  GROUP_ID_NOT_FOUND: { kafka: 69, retriable: false, http: 404 },
  NON_EMPTY_GROUP: { kafka: 68, retriable: false, http: 409 },
  FENCED_LEADER_EPOCH: { kafka: 74, retriable: true, http: 409 },
  UNKNOWN_LEADER_EPOCH: { kafka: 75, retriable: true, http: 409 },
  UNSUPPORTED_COMPRESSION_TYPE: { kafka: 76, retriable: false, http: 400 },
  /** A broker change names an incarnation that is no longer (or not yet) the registered one. */
  STALE_BROKER_EPOCH: { kafka: 77, retriable: false, http: 409 },
  MEMBER_ID_REQUIRED: { kafka: 79, retriable: false, http: 400 },
  GROUP_MAX_SIZE_REACHED: { kafka: 81, retriable: false, http: 409 },
  FENCED_INSTANCE_ID: { kafka: 82, retriable: false, http: 409 },
  INVALID_RECORD: { kafka: 87, retriable: false, http: 400 },
  UNSTABLE_OFFSET_COMMIT: { kafka: 88, retriable: true, http: 409 },
  THROTTLING_QUOTA_EXCEEDED: { kafka: 89, retriable: true, http: 429 },
  /** A partition change computed from a partition epoch that is not the current one. */
  INVALID_UPDATE_VERSION: { kafka: 96, retriable: false, http: 409 },
  UNKNOWN_TOPIC_ID: { kafka: 100, retriable: true, http: 404 },
  BROKER_ID_NOT_REGISTERED: { kafka: 102, retriable: false, http: 404 },
  /** A fenced or unregistered broker proposed as leader or new ISR member. */
  INELIGIBLE_REPLICA: { kafka: 107, retriable: false, http: 409 },
  FENCED_MEMBER_EPOCH: { kafka: 110, retriable: false, http: 409 },
  UNRELEASED_INSTANCE_ID: { kafka: 111, retriable: false, http: 409 },
  // Not in Kafka's table: transport-level problems of our own protocols and HTTP API.
  PAYLOAD_TOO_LARGE: { kafka: -1, retriable: false, http: 413 },
  NOT_FOUND: { kafka: -1, retriable: false, http: 404 },
  METHOD_NOT_ALLOWED: { kafka: -1, retriable: false, http: 405 },
  UNSUPPORTED_MEDIA_TYPE: { kafka: -1, retriable: false, http: 415 },
  /** A Host header the HTTP listener does not serve (DNS rebinding protection). */
  HOST_NOT_ALLOWED: { kafka: -1, retriable: false, http: 421 },
  BROKER_SHUTTING_DOWN: { kafka: -1, retriable: true, http: 503 },
  // Startup only: another live broker holds the data directory's .lock.
  DATA_DIR_LOCKED: { kafka: -1, retriable: false, http: 503 },
  // A bug: an invariant failed on the server (src/model/invariant.ts), which is stopping. Never retried.
  INVARIANT_VIOLATED: { kafka: -1, retriable: false, http: 500 },
} as const satisfies Record<string, { kafka: number; retriable: boolean; http: number }>;

export type ErrorCodeName = keyof typeof ErrorCode;

export class TributaryError extends Error {
  readonly code: ErrorCodeName;
  constructor(code: ErrorCodeName, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "TributaryError";
    this.code = code;
  }
  /** False also for an error an uncontained invariant violation caused: a bug is never retried. */
  get retriable(): boolean {
    return ErrorCode[this.code].retriable && !uncontainedInvariantIn(this.cause);
  }
  get kafkaCode(): number {
    return ErrorCode[this.code].kafka;
  }
}

export function isErrorCode(name: string): name is ErrorCodeName {
  return Object.hasOwn(ErrorCode, name);
}

/**
 * Wraps anything thrown into a TributaryError, keeping typed ones as they are. An invariant
 * violation is escalated first (the process or the embedded broker stops, src/model/invariant.ts) and
 * becomes INVARIANT_VIOLATED, never retriable, so the answer that still goes out says so.
 */
export function toTributaryError(err: unknown): TributaryError {
  if (err instanceof TributaryError) return err;
  const violation = escalateInvariant(err, "error mapping");
  if (violation !== null) {
    return new TributaryError("INVARIANT_VIOLATED", violation.message, { cause: violation });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new TributaryError("UNKNOWN_SERVER_ERROR", message, { cause: err });
}
