// The cluster operations' bodies (src/protocol/cbor/ops/{replica-fetch,...,raft-message}.ts):
// every request and response survives the wire unchanged, a few frames are pinned byte for
// byte, record bytes travel as one byte string untouched, and every field of every request is
// checked (a missing, mistyped or out-of-range one is INVALID_REQUEST naming it).
import { describe, expect, it } from "vitest";
import { TributaryError } from "../../../src/model/errors.ts";
import {
  decodeRequest,
  decodeResponse,
  encodeRequestFrame,
  encodeResponseFrame,
} from "../../../src/protocol/cbor/envelope.ts";
import { FrameDecoder } from "../../../src/protocol/cbor/frame.ts";
import { Op, OP_RESERVED_RANGES } from "../../../src/protocol/cbor/op-codes.ts";
import { validateRequest, validateResponse } from "../../../src/protocol/cbor/ops/index.ts";
import { isPlainMap } from "../../../src/protocol/cbor/shape.ts";
import {
  CLUSTER_OPS,
  CLUSTER_REQUESTS,
  CLUSTER_RESPONSES,
  type ClusterOp,
} from "./support/cluster-samples.ts";

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
const payloadOf = (frame: Uint8Array) => new FrameDecoder().push(frame)[0];

/** Keys a request may leave out (the rest are required). */
const OPTIONAL_KEYS: Partial<Record<ClusterOp, string[]>> = {
  ControllerCreateTopics: [
    "body.validateOnly",
    "body.topics[0].partitions",
    "body.topics[0].replicationFactor",
    "body.topics[0].configs",
    "body.topics[0].configs.retention.ms", // an entry of a map of any size
    "body.topics[1].internal",
  ],
  ElectLeaders: ["body.partitions"],
  ControllerAlterConfigs: ["body.configs.retention.ms"], // an entry of a map of any size
};

interface Leaf {
  path: string;
  value: unknown;
  /** Replaces the leaf in a deep copy of the body. */
  replace(body: unknown, value: unknown): unknown;
}

function clone(value: unknown): unknown {
  if (value instanceof Uint8Array) return value.slice();
  if (Array.isArray(value)) return value.map(clone);
  if (isPlainMap(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, clone(v)]));
  }
  return value;
}

/** Every leaf and every map key of a body, with the path the validators name it by. */
function walk(value: unknown, path: string, at: (string | number)[], out: Leaf[]): Leaf[] {
  const replaceAt = (steps: (string | number)[]) => (body: unknown, v: unknown) => {
    const copy = clone(body);
    let node = copy as Record<string | number, unknown>;
    for (const step of steps.slice(0, -1)) node = node[step] as Record<string | number, unknown>;
    const last = steps[steps.length - 1];
    if (v === undefined) delete node[last];
    else node[last] = v;
    return copy;
  };
  if (Array.isArray(value)) {
    value.forEach((item, i) => walk(item, `${path}[${i}]`, [...at, i], out));
  } else if (isPlainMap(value)) {
    for (const [k, v] of Object.entries(value)) {
      const steps = [...at, k];
      out.push({ path: `${path}.${k}`, value: v, replace: replaceAt(steps) });
      walk(v, `${path}.${k}`, steps, out);
    }
  }
  if (at.length > 0 && typeof at[at.length - 1] === "number") {
    out.push({ path, value, replace: replaceAt(at) });
  }
  return out;
}

function refusal(op: ClusterOp, body: unknown): TributaryError | null {
  try {
    validateRequest(op, 1, body);
    return null;
  } catch (err) {
    expect(err).toBeInstanceOf(TributaryError);
    return err as TributaryError;
  }
}

describe("cluster operation codes", () => {
  it("take codes 40-53, after the existing ones, and leave 54-59 reserved", () => {
    expect(CLUSTER_OPS.map((name) => Op[name])).toEqual(
      Array.from({ length: 14 }, (_, i) => 40 + i),
    );
    const reserved = OP_RESERVED_RANGES.filter((r) => r.from <= 53 && r.to >= 40);
    expect(reserved).toEqual([]);
    expect(OP_RESERVED_RANGES.some((r) => r.from === 54 && r.to === 59)).toBe(true);
  });
});

describe("cluster operation bodies round-trip", () => {
  for (const op of CLUSTER_OPS) {
    it(`${op}: request and response come back as they were sent`, () => {
      const request = decodeRequest(
        payloadOf(encodeRequestFrame(Op[op], 1, 9, CLUSTER_REQUESTS[op])),
      );
      expect(request).toMatchObject({ op: Op[op], version: 1, correlationId: 9, invalid: null });
      expect(validateRequest(op, 1, request.body)).toEqual(CLUSTER_REQUESTS[op]);
      const response = decodeResponse(
        payloadOf(encodeResponseFrame(9, null, CLUSTER_RESPONSES[op])),
      );
      expect(validateResponse(op, response.body)).toEqual(CLUSTER_RESPONSES[op]);
    });
  }

  it("ReplicaFetch records travel as one byte string, byte for byte as stored", () => {
    const records = new Uint8Array(300).map((_, i) => (i * 7) & 0xff);
    const body = {
      partitions: [{ ...CLUSTER_RESPONSES.ReplicaFetch.partitions[0], records }],
    };
    const frame = encodeResponseFrame(5, null, body);
    // CBOR byte string head for 300 bytes: major type 2, two-byte length (0x59 0x01 0x2c).
    expect(hex(frame)).toContain("59012c" + hex(records));
    const back = validateResponse("ReplicaFetch", decodeResponse(payloadOf(frame)).body);
    expect(back.partitions[0].records).toEqual(records);
    expect(back.partitions[0].records.constructor).toBe(Uint8Array);
  });

  it("MetadataFetch records are a list of byte strings, never decoded", () => {
    const frame = encodeResponseFrame(5, null, CLUSTER_RESPONSES.MetadataFetch);
    // "records": [h'010203', h'04']
    expect(hex(frame)).toContain("677265636f7264738243010203" + "4104");
  });
});

describe("cluster operation golden bytes", () => {
  // Pinned: a change to these ops' keys or the encoder alters them and fails here.
  it("ReplicaFetch v1 request", () => {
    expect(hex(encodeRequestFrame(Op.ReplicaFetch, 1, 1, CLUSTER_REQUESTS.ReplicaFetch))).toBe(
      GOLDEN.replicaFetchRequest,
    );
  });
  it("RaftMessage v1 request", () => {
    expect(hex(encodeRequestFrame(Op.RaftMessage, 1, 2, CLUSTER_REQUESTS.RaftMessage))).toBe(
      GOLDEN.raftMessageRequest,
    );
  });
  it("ControllerReassignPartitions v1 request and response", () => {
    const op = Op.ControllerReassignPartitions;
    const request = CLUSTER_REQUESTS.ControllerReassignPartitions;
    expect(hex(encodeRequestFrame(op, 1, 4, request))).toBe(GOLDEN.reassignRequest);
    const response = CLUSTER_RESPONSES.ControllerReassignPartitions;
    expect(hex(encodeResponseFrame(4, null, response))).toBe(GOLDEN.reassignResponse);
  });
  it("BrokerHeartbeat v1 response", () => {
    expect(hex(encodeResponseFrame(3, null, CLUSTER_RESPONSES.BrokerHeartbeat))).toBe(
      GOLDEN.brokerHeartbeatResponse,
    );
  });
});

describe("cluster operation requests are checked field by field", () => {
  for (const op of CLUSTER_OPS) {
    it(`${op}: every key missing, mistyped or fractional is INVALID_REQUEST naming it`, () => {
      const body = CLUSTER_REQUESTS[op];
      const optional = new Set(OPTIONAL_KEYS[op] ?? []);
      const leaves = walk(body, "body", [], []);
      expect(leaves.length).toBeGreaterThan(0);
      for (const leaf of leaves) {
        const isItem = /\]$/.test(leaf.path);
        if (!isItem) {
          const missing = refusal(op, leaf.replace(body, undefined));
          if (optional.has(leaf.path)) expect(missing, `${leaf.path} is optional`).toBeNull();
          else {
            expect(missing?.code, `missing ${leaf.path}`).toBe("INVALID_REQUEST");
            expect(missing?.message).toContain(`${op} v1: ${leaf.path}`);
          }
        }
        const wrong = typeof leaf.value === "string" ? 7 : "x";
        const mistyped = refusal(op, leaf.replace(body, wrong));
        expect(mistyped?.code, `${leaf.path} = ${JSON.stringify(wrong)}`).toBe("INVALID_REQUEST");
        expect(mistyped?.message).toContain(`${op} v1: ${leaf.path}`);
        if (typeof leaf.value === "number") {
          const fractional = refusal(op, leaf.replace(body, leaf.value + 0.5));
          expect(fractional?.code, `${leaf.path} fractional`).toBe("INVALID_REQUEST");
        }
      }
    });
  }

  it("refuses out-of-range numbers and overlong lists, naming the field", () => {
    const cases: [ClusterOp, unknown, string][] = [
      ["ReplicaFetch", { ...CLUSTER_REQUESTS.ReplicaFetch, replicaId: -1 }, "body.replicaId"],
      ["ReplicaFetch", { ...CLUSTER_REQUESTS.ReplicaFetch, maxWaitMs: 300_001 }, "body.maxWaitMs"],
      ["ReplicaFetch", { ...CLUSTER_REQUESTS.ReplicaFetch, maxBytes: 2 ** 31 }, "body.maxBytes"],
      [
        "ReplicaFetch",
        {
          ...CLUSTER_REQUESTS.ReplicaFetch,
          partitions: Array.from(
            { length: 1001 },
            () => CLUSTER_REQUESTS.ReplicaFetch.partitions[0],
          ),
        },
        "body.partitions",
      ],
      [
        "ReplicaFetch",
        {
          ...CLUSTER_REQUESTS.ReplicaFetch,
          partitions: [{ ...CLUSTER_REQUESTS.ReplicaFetch.partitions[0], fetchOffset: -1 }],
        },
        "body.partitions[0].fetchOffset",
      ],
      [
        "ReplicaFetch",
        {
          ...CLUSTER_REQUESTS.ReplicaFetch,
          partitions: [{ ...CLUSTER_REQUESTS.ReplicaFetch.partitions[0], currentLeaderEpoch: -2 }],
        },
        "body.partitions[0].currentLeaderEpoch",
      ],
      [
        "OffsetForLeaderEpoch",
        {
          replicaId: 1,
          partitions: [{ topic: "t", partition: -1, currentLeaderEpoch: 0, leaderEpoch: 0 }],
        },
        "body.partitions[0].partition",
      ],
      [
        "BrokerRegistration",
        {
          ...CLUSTER_REQUESTS.BrokerRegistration,
          endpoints: [{ listener: "cbor", host: "h", port: 65_536 }],
        },
        "body.endpoints[0].port",
      ],
      [
        "BrokerRegistration",
        { ...CLUSTER_REQUESTS.BrokerRegistration, brokerId: 2 ** 31 },
        "body.brokerId",
      ],
      [
        "BrokerHeartbeat",
        { ...CLUSTER_REQUESTS.BrokerHeartbeat, appliedOffset: -1 },
        "body.appliedOffset",
      ],
      [
        "MetadataFetch",
        { ...CLUSTER_REQUESTS.MetadataFetch, maxWaitMs: 300_001 },
        "body.maxWaitMs",
      ],
      [
        "AlterPartition",
        {
          ...CLUSTER_REQUESTS.AlterPartition,
          partitions: [{ ...CLUSTER_REQUESTS.AlterPartition.partitions[0], newIsr: [1, -3] }],
        },
        "body.partitions[0].newIsr[1]",
      ],
      [
        "ControllerCreateTopics",
        { topics: [{ name: "t", replicationFactor: 32_768 }] },
        "body.topics[0].replicationFactor",
      ],
      ["ControllerCreatePartitions", { topic: "t", count: 0 }, "body.count"],
      ["AllocateProducerIds", { brokerId: 1, count: 0 }, "body.count"],
      ["RaftMessage", { ...CLUSTER_REQUESTS.RaftMessage, to: -1 }, "body.to"],
      ["RaftMessage", { ...CLUSTER_REQUESTS.RaftMessage, message: [1, 2] }, "body.message"],
    ];
    for (const [op, body, path] of cases) {
      const err = refusal(op, body);
      expect(err?.code, path).toBe("INVALID_REQUEST");
      expect(err?.message).toContain(`${op} v1: ${path} must be`);
    }
  });

  it("refuses a body that is not a map, for every cluster operation", () => {
    for (const op of CLUSTER_OPS) {
      for (const body of [null, [], "x", 1]) {
        expect(refusal(op, body)?.message, op).toBe(`${op} v1: body must be a map`);
      }
    }
  });

  it("a malformed response is UNKNOWN_SERVER_ERROR, never a TypeError later", () => {
    const bad: [ClusterOp, unknown][] = [
      ["ReplicaFetch", {
        partitions: [{ ...CLUSTER_RESPONSES.ReplicaFetch.partitions[0], records: "x" }],
      }],
      ["MetadataFetch", {
        ...CLUSTER_RESPONSES.MetadataFetch,
        batches: [{ lastOffset: 1, epoch: 1, records: [7] }],
      }],
      ["BrokerHeartbeat", { fenced: 0, caughtUp: true, shutdownReady: false }],
      ["AlterPartition", {
        partitions: [{ topicId: "t", partition: 0, error: null, state: { leader: 1 } }],
      }],
      ["ControllerCreateTopics", { topics: [], committedOffset: -2 }],
      ["AllocateProducerIds", { start: -1, committedOffset: 1 }],
    ];
    for (const [op, body] of bad) {
      expect(() => validateResponse(op, body), op).toThrowError(
        expect.objectContaining({ code: "UNKNOWN_SERVER_ERROR" }),
      );
    }
  });
});

describe("Metadata brokers' rack", () => {
  const response = (brokers: unknown[]) => ({
    clusterId: "c",
    controllerId: 1,
    brokers,
    topics: [],
  });

  it("is read when a server sends it, and absent from an older server's answer", () => {
    const racked = validateResponse(
      "Metadata",
      response([{ nodeId: 1, host: "h", port: 1, rack: "r1" }, {
        nodeId: 2,
        host: "h",
        port: 2,
        rack: null,
      }]),
    );
    expect(racked.brokers.map((b) => b.rack)).toEqual(["r1", null]);
    const older = validateResponse("Metadata", response([{ nodeId: 1, host: "h", port: 1 }]));
    expect(older.brokers).toEqual([{ nodeId: 1, host: "h", port: 1 }]);
    expect("rack" in older.brokers[0]).toBe(false);
  });

  it("that is not text or null is a malformed response", () => {
    expect(() =>
      validateResponse("Metadata", response([{ nodeId: 1, host: "h", port: 1, rack: 5 }]))
    ).toThrowError(expect.objectContaining({ code: "UNKNOWN_SERVER_ERROR" }));
  });
});

const GOLDEN = {
  reassignRequest:
    "0000005b8418340104a16a706172746974696f6e7382a365746f706963666f726465727369706172" +
    "746974696f6e00687265706c6963617383020304a365746f706963666f7264657273697061727469" +
    "74696f6e01687265706c69636173f6",
  reassignResponse:
    "000000af8304f6a26a706172746974696f6e7382a665746f706963666f7264657273697061727469" +
    "74696f6e00687265706c6963617384010203046369737283010203666c6561646572016e74617267" +
    "65745265706c6963617383020304a665746f706963666f726465727369706172746974696f6e0168" +
    "7265706c69636173820102636973728102666c6561646572206e7461726765745265706c69636173" +
    "f66f636f6d6d69747465644f66667365741819",
  replicaFetchRequest:
    "0000007d8418280101a5697265706c696361496402696d6178576169744d731901f4686d696e4279" +
    "74657301686d617842797465731a008000006a706172746974696f6e7381a465746f706963666f72" +
    "6465727369706172746974696f6e007263757272656e744c656164657245706f6368036b66657463" +
    "684f6666736574182a",
  raftMessageRequest:
    "0000002d8418330102a469636c75737465724964666855337851326466726f6d0162746f02676d65" +
    "737361676543820102",
  brokerHeartbeatResponse:
    "000000258303f6a36666656e636564f4686361756768745570f56d73687574646f776e5265616479" +
    "f4",
};
