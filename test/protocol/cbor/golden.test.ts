// Golden frames: the exact bytes of a few requests and responses, pinned in
// test/fixtures/protocol/*.hex (annotated; docs/protocol.md quotes them). A change to the
// encoder, the envelope or a message that alters the wire fails here.
//
// Regenerate after an intended wire change: TRIBUTARY_UPDATE_GOLDEN=1 npx vitest run test/protocol/cbor/golden.test.ts
import { describe, expect, it } from "vitest";
import { readFileSync, writeFileSync } from "node:fs";
import { encodeBatch } from "../../../src/log/record-batch.ts";
import {
  decodeRequest,
  decodeResponse,
  encodeRequestFrame,
  encodeResponseFrame,
} from "../../../src/protocol/cbor/envelope.ts";
import { FrameDecoder } from "../../../src/protocol/cbor/frame.ts";
import { Op, type OpName } from "../../../src/protocol/cbor/op-codes.ts";
import type { WireError } from "../../../src/protocol/cbor/envelope.ts";
import { validateRequest } from "../../../src/protocol/cbor/ops/index.ts";
import { validateResponse } from "../../../src/protocol/cbor/ops/index.ts";
import { parseHex } from "../../fixtures/record-batch/hex.ts";
import { annotateFrame } from "./support/annotate.ts";

const enc = new TextEncoder();
const fixtureUrl = (name: string) =>
  new URL(`../../fixtures/protocol/${name}.hex`, import.meta.url);
const update = process.env.TRIBUTARY_UPDATE_GOLDEN === "1";

/** One record, key "k", value "v", timestamp 1700000000000, no producer id: 70 bytes. */
const oneRecordBatch = encodeBatch({
  records: [{ key: enc.encode("k"), value: enc.encode("v"), timestamp: 1_700_000_000_000 }],
});

interface RequestCase {
  kind: "request";
  name: string;
  title: string[];
  op: OpName;
  correlationId: number;
  body: unknown;
}

interface ResponseCase {
  kind: "response";
  name: string;
  title: string[];
  op: OpName | null;
  correlationId: number;
  error: WireError | null;
  body: unknown;
}

const cases: Array<RequestCase | ResponseCase> = [
  {
    kind: "request",
    name: "api-versions-request",
    title: ["ApiVersions v1 request, correlation id 1: the handshake a client sends first."],
    op: "ApiVersions",
    correlationId: 1,
    body: { clientId: "demo", clientVersion: "0.1.0" },
  },
  {
    kind: "request",
    name: "produce-request",
    title: [
      "Produce v1 request, correlation id 2: acks -1 (all), one record batch for orders/0.",
      'The batch holds one record: key "k", value "v", timestamp 1700000000000.',
    ],
    op: "Produce",
    correlationId: 2,
    body: {
      acks: -1,
      timeoutMs: 30_000,
      partitions: [{ topic: "orders", partition: 0, records: oneRecordBatch }],
    },
  },
  {
    kind: "response",
    name: "produce-response",
    title: ["Produce v1 response to correlation id 2: the record got offset 42."],
    op: "Produce",
    correlationId: 2,
    error: null,
    body: {
      partitions: [{
        topic: "orders",
        partition: 0,
        error: null,
        baseOffset: 42,
        lastOffset: 42,
        logAppendTimeMs: -1,
        logStartOffset: 0,
      }],
    },
  },
  {
    kind: "request",
    name: "fetch-request",
    title: [
      "Fetch v1 request, correlation id 3: orders/0 from offset 42, waiting up to 500 ms for 1 byte.",
    ],
    op: "Fetch",
    correlationId: 3,
    body: {
      maxWaitMs: 500,
      minBytes: 1,
      maxBytes: 1_048_576,
      partitions: [{ topic: "orders", partition: 0, offset: 42, maxBytes: 1_048_576 }],
    },
  },
  {
    kind: "response",
    name: "fetch-response",
    title: [
      "Fetch v1 response to correlation id 3: the batch as stored (baseOffset 42 set by the broker).",
    ],
    op: "Fetch",
    correlationId: 3,
    error: null,
    body: {
      partitions: [{
        topic: "orders",
        partition: 0,
        error: null,
        highWatermark: 43,
        logStartOffset: 0,
        records: withBaseOffset(oneRecordBatch, 42),
      }],
    },
  },
  {
    kind: "response",
    name: "error-response",
    title: [
      "A request-level error, correlation id 4: UNKNOWN_TOPIC_OR_PARTITION, as an OffsetCommit",
      "naming a topic that does not exist gets it. The body is null.",
    ],
    op: "Metadata",
    correlationId: 4,
    error: { code: "UNKNOWN_TOPIC_OR_PARTITION", message: "unknown topic nope", retriable: true },
    body: null,
  },
  {
    kind: "request",
    name: "metadata-request",
    title: [
      'Metadata v1 request, correlation id 7: topics "orders" and "nope", without auto-creation.',
    ],
    op: "Metadata",
    correlationId: 7,
    body: { topics: ["orders", "nope"], allowAutoTopicCreation: false },
  },
  {
    kind: "response",
    name: "metadata-response",
    title: [
      "Metadata v1 response to correlation id 7: orders with one partition, and an entry with",
      'UNKNOWN_TOPIC_OR_PARTITION for "nope", which does not exist.',
    ],
    op: "Metadata",
    correlationId: 7,
    error: null,
    body: {
      clusterId: "hU3xQ2",
      controllerId: 1,
      brokers: [{ nodeId: 1, host: "127.0.0.1", port: 9093 }],
      topics: [
        {
          name: "orders",
          internal: false,
          configs: { "cleanup.policy": "delete" },
          partitions: [{
            partition: 0,
            leader: 1,
            leaderEpoch: 0,
            replicas: [1],
            isr: [1],
            logStartOffset: 0,
            highWatermark: 43,
            sizeBytes: 4096,
          }],
          error: null,
        },
        {
          name: "nope",
          internal: false,
          configs: {},
          partitions: [],
          error: {
            code: "UNKNOWN_TOPIC_OR_PARTITION",
            message: "unknown topic nope",
            retriable: true,
          },
        },
      ],
    },
  },
  {
    kind: "response",
    name: "connection-error",
    title: [
      "A connection-level error (correlation id 0) sent before the server closes the connection.",
    ],
    op: null,
    correlationId: 0,
    error: {
      code: "PAYLOAD_TOO_LARGE",
      message: "frame of 2147483648 bytes announced; the limit is 67174400",
      retriable: false,
    },
    body: null,
  },
  {
    kind: "request",
    name: "list-offsets-request",
    title: [
      "ListOffsets v1 request, correlation id 5: latest (-1) and first at or after 1700000000000 ms.",
    ],
    op: "ListOffsets",
    correlationId: 5,
    body: {
      partitions: [{ topic: "orders", partition: 0, timestamp: -1 }, {
        topic: "orders",
        partition: 0,
        timestamp: 1_700_000_000_000,
      }],
    },
  },
  {
    kind: "request",
    name: "consumer-group-heartbeat-request",
    title: [
      'ConsumerGroupHeartbeat v1 request, correlation id 13: a new member (memberId "", epoch 0)',
      'joins group "billing" subscribed to "orders", owning nothing.',
    ],
    op: "ConsumerGroupHeartbeat",
    correlationId: 13,
    body: {
      groupId: "billing",
      memberId: "",
      memberEpoch: 0,
      instanceId: null,
      clientId: "billing-1",
      subscribedTopics: ["orders"],
      sessionTimeoutMs: 45_000,
      rebalanceTimeoutMs: null,
      assignor: null,
      ownedPartitions: [],
    },
  },
  {
    kind: "response",
    name: "consumer-group-heartbeat-response",
    title: [
      "ConsumerGroupHeartbeat v1 response to correlation id 13: the member's id, epoch 1 and its",
      "assignment, orders partitions 0, 1 and 2.",
    ],
    op: "ConsumerGroupHeartbeat",
    correlationId: 13,
    error: null,
    body: {
      memberId: "3XbC9h0QR8uJvZ1yTQk2rw",
      memberEpoch: 1,
      heartbeatIntervalMs: 5_000,
      assignment: [{ topic: "orders", partitions: [0, 1, 2] }],
    },
  },
  {
    kind: "request",
    name: "offset-commit-request",
    title: ["OffsetCommit v1 request, correlation id 16: the member commits orders/0 at 1042."],
    op: "OffsetCommit",
    correlationId: 16,
    body: {
      groupId: "billing",
      memberId: "3XbC9h0QR8uJvZ1yTQk2rw",
      memberEpoch: 1,
      offsets: [{ topic: "orders", partition: 0, offset: 1042, leaderEpoch: null, metadata: null }],
    },
  },
];

function withBaseOffset(batch: Uint8Array, baseOffset: number): Uint8Array {
  const copy = batch.slice();
  new DataView(copy.buffer).setBigInt64(0, BigInt(baseOffset));
  return copy;
}

function encodeCase(c: RequestCase | ResponseCase): Uint8Array {
  if (c.kind === "request") return encodeRequestFrame(Op[c.op], 1, c.correlationId, c.body);
  return encodeResponseFrame(c.correlationId, c.error, c.body);
}

describe("golden frames", () => {
  for (const c of cases) {
    it(`${c.name} matches test/fixtures/protocol/${c.name}.hex`, () => {
      const frame = encodeCase(c);
      if (update) writeFileSync(fixtureUrl(c.name), annotateFrame(frame, c.title));
      const golden = parseHex(readFileSync(fixtureUrl(c.name), "utf8"));
      expect(Array.from(frame)).toEqual(Array.from(golden));

      // And the golden bytes decode back to the message, through the same path the peer uses.
      const [payload] = new FrameDecoder().push(golden);
      if (c.kind === "request") {
        const request = decodeRequest(payload);
        expect(request).toMatchObject({ op: Op[c.op], version: 1, correlationId: c.correlationId });
        expect(validateRequest(c.op, 1, request.body)).toEqual(c.body);
      } else {
        const response = decodeResponse(payload);
        expect(response.correlationId).toBe(c.correlationId);
        expect(response.error).toEqual(c.error);
        if (c.op !== null && c.error === null) {
          expect(validateResponse(c.op, response.body)).toEqual(c.body);
        } else expect(response.body).toBeNull();
      }
    });
  }
});
