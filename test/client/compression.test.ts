// Each codec through every face of an embedded broker: the TS client's Producer (CBOR protocol)
// with `compression`, HTTP produce with ?compression=, and both read back by the Consumer and
// by HTTP fetch. The broker stores what was sent: the stored batches carry the codec.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Admin, Consumer, Producer, type RunningBroker, startBroker } from "../../src/index.ts";
import { batchesIn, compressionOf } from "../../src/log/record-batch.ts";
import { TributaryError } from "../../src/model/errors.ts";

const CODECS = ["none", "gzip", "snappy", "lz4", "zstd"] as const;
const CODE = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 } as const;

let rb: RunningBroker;
beforeAll(async () => {
  rb = await startBroker({ storage: "memory", port: 0, httpPort: 0 });
  const admin = new Admin({ bootstrap: rb.bootstrap });
  for (const codec of CODECS) {
    await admin.createTopic(`cbor-${codec}`, { partitions: 1 });
    await admin.createTopic(`http-${codec}`, { partitions: 1 });
  }
  await admin.close();
});
afterAll(async () => {
  await rb?.close();
});

/** The codecs of the stored batches of partition 0. */
async function storedCodecs(topic: string): Promise<number[]> {
  const [r] = await rb.broker.fetch({
    partitions: [{ topic, partition: 0, offset: 0, maxBytes: 1 << 22 }],
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 1 << 22,
  });
  return [...batchesIn(r.records)].map((b) => compressionOf(b.header));
}

async function httpRecords(
  topic: string,
): Promise<Array<{ offset: number; key: string; value: string }>> {
  const response = await fetch(
    `${rb.httpUrl}/v1/topics/${topic}/partitions/0/records?offset=0&maxRecords=1000`,
  );
  expect(response.status).toBe(200);
  const body = await response.json() as {
    records: Array<{ offset: number; key: string; value: string }>;
  };
  return body.records.map(({ offset, key, value }) => ({ offset, key, value }));
}

async function consumeAll(topic: string, count: number): Promise<string[]> {
  const consumer = new Consumer({ bootstrap: rb.bootstrap, autoOffsetReset: "earliest" });
  consumer.assign([{ topic, partition: 0 }]);
  const seen: string[] = [];
  const decoder = new TextDecoder();
  for await (const record of consumer) {
    const header = record.headers.find((h) => h.key === "n")?.value ?? null;
    seen.push(
      `${record.offset}:${decoder.decode(record.key ?? new Uint8Array())}=${
        decoder.decode(record.value ?? new Uint8Array())
      }/${header === null ? "-" : decoder.decode(header)}`,
    );
    if (seen.length >= count) break;
  }
  await consumer.close();
  return seen;
}

describe("compression through the client and HTTP", () => {
  for (const codec of CODECS) {
    it(`${codec}: Producer -> stored as ${codec} -> Consumer and HTTP fetch`, async () => {
      const topic = `cbor-${codec}`;
      const producer = new Producer({ bootstrap: rb.bootstrap, compression: codec, lingerMs: 5 });
      const values = Array.from({ length: 50 }, (_, i) => `value ${i} ${"pad".repeat(20)}`);
      const sent = await Promise.all(
        values.map((value, i) =>
          producer.send({ topic, key: `k${i % 5}`, value, headers: { n: String(i) } })
        ),
      );
      await producer.close();
      expect(sent.map((m) => m.offset)).toEqual([...values.keys()]);
      const codecs = await storedCodecs(topic);
      expect(codecs.length).toBeGreaterThan(0);
      expect(new Set(codecs)).toEqual(new Set([CODE[codec]]));
      expect(await consumeAll(topic, 50)).toEqual(values.map((v, i) => `${i}:k${i % 5}=${v}/${i}`));
      expect(await httpRecords(topic)).toEqual(
        values.map((value, i) => ({ offset: i, key: `k${i % 5}`, value })),
      );
    });

    it(`${codec}: HTTP produce ?compression=${codec} -> stored as ${codec} -> both readers`, async () => {
      const topic = `http-${codec}`;
      const records = Array.from({ length: 20 }, (_, i) => ({
        key: `h${i % 3}`,
        value: `http ${i} ${"z".repeat(50)}`,
        headers: { n: String(i) },
      }));
      const response = await fetch(
        `${rb.httpUrl}/v1/topics/${topic}/records?compression=${codec}`,
        {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ records }),
        },
      );
      expect(response.status).toBe(200);
      expect(await storedCodecs(topic)).toEqual([CODE[codec]]);
      expect(await httpRecords(topic)).toEqual(
        records.map((r, i) => ({ offset: i, key: r.key, value: r.value })),
      );
      expect(await consumeAll(topic, 20)).toEqual(
        records.map((r, i) => `${i}:${r.key}=${r.value}/${i}`),
      );
    });
  }

  it("refuses an unknown codec on both faces", async () => {
    const response = await fetch(`${rb.httpUrl}/v1/topics/http-none/records?compression=brotli`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ records: [{ value: "x" }] }),
    });
    expect(response.status).toBe(400);
    expect(JSON.stringify(await response.json())).toMatch(/compression must be one of/);
    let code = "none";
    try {
      new Producer({ bootstrap: rb.bootstrap, compression: "brotli" as "gzip" });
    } catch (err) {
      code = err instanceof TributaryError ? err.code : String(err);
    }
    expect(code).toBe("INVALID_CONFIG");
  });
});
