// Frames (int32 size prefix, frame.ts) and request/response headers (header.ts), pinned by the
// first bytes kcat 1.7.1 (librdkafka 2.0.2) and kafka-python 2.0.2 send on a new connection,
// captured from those clients against a listener that only recorded them.
import { describe, expect, it } from "vitest";
import { frameOf, FrameReader } from "../../../src/protocol/kafka/frame.ts";
import {
  readRequestHeader,
  readRequestHeaderV2,
  writeResponseHeader,
} from "../../../src/protocol/kafka/header.ts";
import { KafkaReader } from "../../../src/protocol/kafka/reader.ts";
import { KafkaWriter } from "../../../src/protocol/kafka/writer.ts";
import { parseHex } from "../../fixtures/record-batch/hex.ts";
import { KAFKA_PYTHON_API_VERSIONS_V0, KCAT_API_VERSIONS_V3 } from "./support/captured.ts";

describe("FrameReader", () => {
  it("returns whole frames however the bytes are chunked, one byte at a time included", () => {
    const stream = new Uint8Array([...KCAT_API_VERSIONS_V3, ...KAFKA_PYTHON_API_VERSIONS_V0]);
    for (const chunk of [1, 3, 7, stream.length]) {
      const reader = new FrameReader();
      const frames: Uint8Array[] = [];
      for (let i = 0; i < stream.length; i += chunk) {
        frames.push(...reader.push(stream.subarray(i, i + chunk)));
      }
      expect(frames.map((f) => f.length)).toEqual([36, 28]);
      expect(frames[0]).toEqual(KCAT_API_VERSIONS_V3.subarray(4));
      expect(reader.partial).toBe(false);
    }
  });

  it("refuses a size above the limit or below zero before allocating, and reads no further", () => {
    const big = new FrameReader(100);
    expect(big.push(parseHex("00000065 00"))).toEqual([]);
    expect(big.error?.code).toBe("MESSAGE_TOO_LARGE");
    expect(big.error?.message).toMatch(/socket.request.max.bytes/);
    expect(big.push(parseHex("00000001 00"))).toEqual([]);
    const negative = new FrameReader();
    negative.push(parseHex("ffffffff"));
    expect(negative.error?.code).toBe("INVALID_REQUEST");
  });

  it("an empty frame is a frame", () => {
    expect(new FrameReader().push(parseHex("00000000"))).toEqual([new Uint8Array(0)]);
  });

  it("frameOf prefixes the size of all parts", () => {
    expect(frameOf(parseHex("0102"), parseHex("03"))).toEqual(parseHex("00000003 010203"));
  });
});

describe("request headers", () => {
  it("v2 (kcat's ApiVersions v3) reads the client id and the tag buffer", () => {
    const r = new KafkaReader(KCAT_API_VERSIONS_V3, 4);
    expect(readRequestHeaderV2(r)).toEqual({
      apiKey: 18,
      apiVersion: 3,
      correlationId: 1,
      clientId: "rdkafka",
    });
    expect(r.pos).toBe(4 + 8 + 9 + 1);
  });

  it("v1 (kafka-python's ApiVersions v0) ends after the client id", () => {
    const r = new KafkaReader(KAFKA_PYTHON_API_VERSIONS_V0, 4);
    expect(readRequestHeader(r).clientId).toBe("kafka-python-2.0.2");
    r.expectEnd("ApiVersions v0");
  });

  it("a null client id is allowed", () => {
    expect(readRequestHeader(new KafkaReader(parseHex("0003 0001 00000007 ffff"))).clientId)
      .toBeNull();
  });
});

describe("response headers", () => {
  it("v0 is the correlation id, v1 adds an empty tag buffer", () => {
    const w0 = new KafkaWriter();
    writeResponseHeader(w0, 7, 0);
    expect(w0.finish()).toEqual(parseHex("00000007"));
    const w1 = new KafkaWriter();
    writeResponseHeader(w1, 7, 1);
    expect(w1.finish()).toEqual(parseHex("00000007 00"));
  });
});
