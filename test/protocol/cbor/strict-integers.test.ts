// Integers mean CBOR integers (major types 0 and 1): a float, even an integral one like 1.0, and
// a bignum tag (2, 3) are INVALID_REQUEST wherever the protocol wants an integer, as is a
// correlation id of 0 or a negative partition, and a refused request changes nothing.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { decodeCbor } from "../../../src/protocol/cbor/cbor-decode.ts";
import { encodeRequestFrame } from "../../../src/protocol/cbor/envelope.ts";
import { Op, type OpName } from "../../../src/protocol/cbor/op-codes.ts";
import { validateRequest } from "../../../src/protocol/cbor/ops/index.ts";
import { batchOf, type Harness, startHarness } from "./support/harness.ts";
import {
  NOT_INTEGER_MINUS_ONE,
  NOT_INTEGER_ONE,
  NOT_INTEGER_ZERO,
  raw,
  rawCbor,
  rawRequestFrame,
} from "./support/raw-cbor.ts";

const records = batchOf(["v"]);

/**
 * A valid body of every operation that has integer fields, each optional integer field set:
 * every number in these bodies is an integer field, and each is tried as a float and a bignum.
 */
const BODIES: Array<[OpName, Record<string, unknown>]> = [
  ["Produce", {
    acks: 1,
    timeoutMs: 1000,
    partitions: [{ topic: "t", partition: 0, records }],
  }],
  ["Fetch", {
    maxWaitMs: 10,
    minBytes: 1,
    maxBytes: 1000,
    partitions: [{ topic: "t", partition: 0, offset: 5_000_000_000, maxBytes: 100 }],
  }],
  ["ListOffsets", { partitions: [{ topic: "t", partition: 0, timestamp: -1 }] }],
  ["CreateTopics", { topics: [{ name: "x", partitions: 3, replicationFactor: 1 }] }],
  ["ConsumerGroupHeartbeat", {
    groupId: "g",
    memberId: "",
    memberEpoch: 0,
    subscribedTopics: ["t"],
    sessionTimeoutMs: 45_000,
    rebalanceTimeoutMs: 60_000,
    ownedPartitions: [{ topic: "t", partitions: [0, 1] }],
  }],
  ["OffsetCommit", {
    groupId: "g",
    memberId: "m",
    memberEpoch: 1,
    offsets: [{ topic: "t", partition: 0, offset: 1042, leaderEpoch: 0 }],
  }],
  ["OffsetFetch", {
    groupId: "g",
    memberId: "m",
    memberEpoch: 1,
    topics: [{ topic: "t", partitions: [0, 2] }],
  }],
  ["ResetOffsets", {
    groupId: "g",
    topics: [{ topic: "t", partitions: [0, 1], to: "offset", offset: 5 }],
  }],
  ["ResetOffsets", {
    groupId: "g",
    topics: [{ topic: "t", to: "timestamp", timestampMs: 1_700_000_000_000 }],
  }],
];

/** Every integer in a body, by the path validators name it with. */
function integerPaths(value: unknown, path = "body"): string[] {
  if (typeof value === "number") return [path];
  if (Array.isArray(value)) return value.flatMap((v, i) => integerPaths(v, `${path}[${i}]`));
  if (value !== null && typeof value === "object" && !(value instanceof Uint8Array)) {
    return Object.entries(value).flatMap(([k, v]) => integerPaths(v, `${path}.${k}`));
  }
  return [];
}

/** A copy of body with the integer at path replaced. */
function replaced(body: unknown, path: string, by: unknown): unknown {
  const steps = path.slice("body".length).match(/\.[^.[]+|\[\d+\]/g) ?? [];
  const copy = structuredClone(body) as Record<string, unknown>;
  let at: Record<string, unknown> = copy;
  steps.forEach((step, i) => {
    const key = step.startsWith(".") ? step.slice(1) : step.slice(1, -1);
    if (i === steps.length - 1) at[key] = by;
    else at = at[key] as Record<string, unknown>;
  });
  return copy;
}

function doubleHex(n: number): string {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setFloat64(0, n);
  return "fb" + hexOf(b);
}

/** Tag 2 (n >= 0) or 3 (n < 0, holding -1 - n) around n's big-endian bytes. */
function bignumHex(n: number): string {
  const magnitude = BigInt(n < 0 ? -1 - n : n);
  let digits = magnitude === 0n ? "" : magnitude.toString(16);
  if (digits.length % 2 === 1) digits = "0" + digits;
  const length = digits.length / 2;
  return (n < 0 ? "c3" : "c2") + (0x40 + length).toString(16) + digits;
}

function hexOf(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

function codeOf(f: () => unknown): string | null {
  try {
    f();
    return null;
  } catch (err) {
    return (err as { code?: string }).code ?? "not a TributaryError";
  }
}

describe("integer fields of every request", () => {
  for (const [op, body] of BODIES) {
    for (const path of integerPaths(body)) {
      it(`${op} ${path}: a float or a bignum for the integer is INVALID_REQUEST`, () => {
        const value = path.split(/[.[\]]/).filter(Boolean).reduce<unknown>(
          (at, key) => (at as Record<string, unknown>)[key],
          { body },
        ) as number;
        // The plain integer passes, so the refusals below are about the encoding alone.
        expect(codeOf(() => validateRequest(op, 1, decodeCbor(rawCbor(body))))).toBeNull();
        for (const hex of [doubleHex(value), bignumHex(value)]) {
          const decoded = decodeCbor(rawCbor(replaced(body, path, raw(hex))));
          let message = "";
          try {
            validateRequest(op, 1, decoded);
          } catch (err) {
            message = (err as Error).message;
            expect((err as { code: string }).code, hex).toBe("INVALID_REQUEST");
          }
          expect(message, `${hex} at ${path}`).toContain(`${path} must be an integer`);
        }
      });
    }
  }

  it("covers every operation whose request has an integer field", () => {
    const covered = new Set(BODIES.map(([op]) => op));
    expect([...covered].sort()).toEqual([
      "ConsumerGroupHeartbeat",
      "CreateTopics",
      "Fetch",
      "ListOffsets",
      "OffsetCommit",
      "OffsetFetch",
      "Produce",
      "ResetOffsets",
    ]);
  });

  it("acks -1.0 (half, double) or a bignum -1 is INVALID_REQUEST, not INVALID_REQUIRED_ACKS", () => {
    for (const hex of Object.values(NOT_INTEGER_MINUS_ONE)) {
      const body = decodeCbor(rawCbor({ ...BODIES[0][1], acks: raw(hex) }));
      expect(codeOf(() => validateRequest("Produce", 1, body)), hex).toBe("INVALID_REQUEST");
    }
    const two = decodeCbor(rawCbor({ ...BODIES[0][1], acks: 2 }));
    expect(codeOf(() => validateRequest("Produce", 1, two))).toBe("INVALID_REQUIRED_ACKS");
  });

  it("a negative partition is INVALID_REQUEST wherever a partition is named", () => {
    const cases: Array<[OpName, unknown]> = [
      ["Produce", { acks: 1, timeoutMs: 10, partitions: [{ topic: "t", partition: -1, records }] }],
      ["Fetch", {
        maxWaitMs: 0,
        minBytes: 0,
        maxBytes: 10,
        partitions: [{ topic: "t", partition: -1, offset: 0, maxBytes: 10 }],
      }],
      ["ListOffsets", { partitions: [{ topic: "t", partition: -1, timestamp: -1 }] }],
      ["OffsetCommit", {
        groupId: "g",
        memberId: "",
        memberEpoch: -1,
        offsets: [{ topic: "t", partition: -1, offset: 0 }],
      }],
      ["OffsetFetch", { groupId: "g", topics: [{ topic: "t", partitions: [-1] }] }],
      ["ResetOffsets", {
        groupId: "g",
        topics: [{ topic: "t", partitions: [-1], to: "earliest" }],
      }],
      ["ConsumerGroupHeartbeat", {
        groupId: "g",
        memberId: "m",
        memberEpoch: 1,
        ownedPartitions: [{ topic: "t", partitions: [-2147483648] }],
      }],
    ];
    for (const [op, body] of cases) {
      expect(codeOf(() => validateRequest(op, 1, decodeCbor(rawCbor(body)))), op).toBe(
        "INVALID_REQUEST",
      );
    }
  });
});

describe("the server refuses non-integers and correlation id 0, processing nothing", () => {
  let h: Harness;

  beforeEach(async () => {
    h = await startHarness();
    await h.broker.createTopic({ name: "t", partitions: 1 });
  });
  afterEach(async () => {
    await h.stop();
  });

  function produceBody(acks: unknown, partition: unknown = 0): Record<string, unknown> {
    return { acks, timeoutMs: 1000, partitions: [{ topic: "t", partition, records }] };
  }

  it("Produce with acks -1.0 or partition 0.0 is INVALID_REQUEST and stores nothing", async () => {
    const raw1 = await h.raw();
    const bodies = [
      produceBody(raw(NOT_INTEGER_MINUS_ONE.half)),
      produceBody(raw(NOT_INTEGER_MINUS_ONE.double)),
      produceBody(raw(NOT_INTEGER_MINUS_ONE.bignum)),
      produceBody(1, raw(NOT_INTEGER_ZERO.double)),
      produceBody(1, raw(NOT_INTEGER_ZERO.bignum)),
      produceBody(1, -1),
      // One good entry does not get through with a bad one: the request is refused whole.
      {
        acks: 1,
        timeoutMs: 1000,
        partitions: [{ topic: "t", partition: 0, records }, { topic: "t", partition: -1, records }],
      },
    ];
    let id = 10;
    for (const body of bodies) {
      await raw1.send(rawRequestFrame(Op.Produce, 1, ++id, body));
      const response = await raw1.next();
      expect(response).toMatchObject({ correlationId: id, error: { code: "INVALID_REQUEST" } });
      expect(response?.body).toBeNull();
    }
    expect(h.broker.produceCalls).toEqual([]);
    expect(h.broker.describeTopic("t").partitions[0].highWatermark).toBe(0);
    // The connection carries on.
    await raw1.send(encodeRequestFrame(Op.Produce, 1, 99, produceBody(1)));
    expect(await raw1.next()).toMatchObject({ correlationId: 99, error: null });
    expect(h.broker.produceCalls).toHaveLength(1);
  });

  it("CreateTopics with partitions 3.0 is INVALID_REQUEST and creates nothing", async () => {
    const conn = await h.raw();
    await conn.send(rawRequestFrame(Op.CreateTopics, 1, 5, {
      topics: [{ name: "made", partitions: raw(doubleHex(3)) }],
    }));
    expect(await conn.next()).toMatchObject({
      correlationId: 5,
      error: { code: "INVALID_REQUEST", message: expect.stringContaining("partitions") },
    });
    expect(h.broker.topics.has("made")).toBe(false);
  });

  it("op or version as a float, a bignum or text: INVALID_REQUEST for that request only", async () => {
    const conn = await h.raw();
    const envelopes: Array<[number, number]> = [
      [raw(NOT_INTEGER_ONE.half), 1], // op 1.0
      [raw(doubleHex(10)), 1], // op 10.0 (Produce)
      [raw(bignumHex(10)), 1],
      [raw("6450726f64"), 1], // op "Prod"
      [Op.Produce, raw(NOT_INTEGER_ONE.double)], // version 1.0
      [Op.Produce, raw(NOT_INTEGER_ONE.bignum)],
      [Op.Produce, -1],
    ];
    let id = 20;
    for (const [op, version] of envelopes) {
      await conn.send(rawRequestFrame(op, version, ++id, produceBody(1)));
      const response = await conn.next();
      expect(response).toMatchObject({
        correlationId: id,
        error: { code: "INVALID_REQUEST", message: expect.stringContaining("op and version") },
        body: null,
      });
    }
    expect(h.broker.produceCalls).toEqual([]);
    await conn.send(encodeRequestFrame(Op.ListTopics, 1, 30, {}));
    expect(await conn.next()).toMatchObject({ correlationId: 30, error: null });
  });

  it("a correlation id of 0, 1.0, a bignum, negative or beyond uint32: INVALID_REQUEST, close", async () => {
    const ids = [
      0,
      raw(NOT_INTEGER_ONE.half),
      raw(NOT_INTEGER_ONE.double),
      raw(NOT_INTEGER_ONE.bignum),
      raw(NOT_INTEGER_ZERO.double),
      -5,
      2 ** 32,
      raw("6131"), // "1"
    ];
    for (const correlationId of ids) {
      const conn = await h.raw();
      await conn.send(rawRequestFrame(Op.Produce, 1, correlationId, produceBody(1)));
      const response = await conn.next();
      expect(response).toMatchObject({
        correlationId: 0,
        error: { code: "INVALID_REQUEST", message: expect.stringContaining("correlation id") },
        body: null,
      });
      expect(await conn.closedByServer()).toBe(true);
    }
    expect(h.broker.produceCalls).toEqual([]);
    expect(h.broker.describeTopic("t").partitions[0].highWatermark).toBe(0);
  });
});
