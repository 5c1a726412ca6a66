// Record batches whose CRC is valid but whose records are not: what a hostile or broken producer
// can send, since it computes the CRC over whatever bytes it likes. Records are written field by
// field (each field as raw bytes or a number to zig-zag encode), so a case can break exactly one.
import { BATCH_HEADER_BYTES, Offset, writeHeaderFields } from "../../src/log/batch-header.ts";
import { codecOf } from "../../src/log/codecs/registry.ts";
import { compressBatch, crc32c, encodeBatch } from "../../src/log/record-batch.ts";
import { writeVarint, writeVarlong } from "../../src/log/varint.ts";
import { concatBytes } from "./bytes.ts";

export const T0 = 1_700_000_000_000;
const utf8 = (s: string) => new TextEncoder().encode(s);

export function varint(value: number): Uint8Array {
  const out = new Uint8Array(5);
  return out.slice(0, writeVarint(out, 0, value));
}

export function varlong(value: number): Uint8Array {
  const out = new Uint8Array(10);
  return out.slice(0, writeVarlong(out, 0, value));
}

/** A length-prefixed byte string; null writes length -1. */
function lengthPrefixed(bytes: Uint8Array | null): Uint8Array {
  return bytes === null ? varint(-1) : concatBytes([varint(bytes.length), bytes]);
}

export interface RawRecord {
  offsetDelta: number;
  timestampDelta?: number;
  key?: Uint8Array | null;
  value?: Uint8Array | null;
  /** Whole header list as raw bytes (count included); default: one "h" header. */
  headers?: Uint8Array;
  /** Added to the true length in the length prefix. */
  lengthSkew?: number;
  /** Replaces the body (after the length prefix) entirely. */
  body?: Uint8Array;
}

export function headersBytes(list: Array<{ key: Uint8Array | null; value: Uint8Array | null }>) {
  const parts = [varint(list.length)];
  for (const h of list) parts.push(lengthPrefixed(h.key), lengthPrefixed(h.value));
  return concatBytes(parts);
}

export function rawRecord(r: RawRecord): Uint8Array {
  const body = r.body ?? concatBytes([
    new Uint8Array([0]),
    varlong(r.timestampDelta ?? r.offsetDelta),
    varint(r.offsetDelta),
    lengthPrefixed(r.key === undefined ? utf8(`k${r.offsetDelta}`) : r.key),
    lengthPrefixed(r.value === undefined ? utf8(`value-${r.offsetDelta}`) : r.value),
    r.headers ?? headersBytes([{ key: utf8("h"), value: utf8("x") }]),
  ]);
  return concatBytes([varint(body.length + (r.lengthSkew ?? 0)), body]);
}

export interface RawBatchOptions {
  recordCount: number;
  lastOffsetDelta?: number;
  attributes?: number;
  baseTimestamp?: number;
  maxTimestamp?: number;
}

/** A batch header with a correct CRC over the given records section. */
export function sealedBatch(records: Uint8Array, o: RawBatchOptions): Uint8Array {
  const out = new Uint8Array(BATCH_HEADER_BYTES + records.length);
  const view = new DataView(out.buffer);
  writeHeaderFields(view, 0, {
    baseOffset: 0,
    batchLength: out.length - 12,
    partitionLeaderEpoch: -1,
    magic: 2,
    crc: 0,
    attributes: o.attributes ?? 0,
    lastOffsetDelta: o.lastOffsetDelta ?? o.recordCount - 1,
    baseTimestamp: o.baseTimestamp ?? T0,
    maxTimestamp: o.maxTimestamp ?? T0 + 100,
    producerId: -1,
    producerEpoch: -1,
    baseSequence: -1,
    recordCount: o.recordCount,
  });
  out.set(records, BATCH_HEADER_BYTES);
  view.setUint32(Offset.crc, crc32c(out, Offset.attributes));
  return out;
}

/** recordCount records 0..n-1 built from the defaults, with overrides per index. */
export function batchOf(
  n: number,
  override: (i: number) => Partial<RawRecord> = () => ({}),
  options: Partial<RawBatchOptions> & { trailing?: Uint8Array } = {},
): Uint8Array {
  const parts: Uint8Array[] = [];
  for (let i = 0; i < n; i++) parts.push(rawRecord({ offsetDelta: i, ...override(i) }));
  if (options.trailing) parts.push(options.trailing);
  return sealedBatch(concatBytes(parts), { recordCount: n, ...options });
}

/** A gzip batch whose compressed section is replaced, CRC resealed. */
export function gzipWithSection(section: Uint8Array, recordCount: number): Uint8Array {
  return sealedBatch(section, { recordCount, attributes: 1 });
}

export interface MalformedCase {
  name: string;
  batch: () => Uint8Array | Promise<Uint8Array>;
  /** The code the broker answers with. */
  code: "CORRUPT_MESSAGE" | "INVALID_RECORD" | "INVALID_TIMESTAMP" | "MESSAGE_TOO_LARGE";
}

const K = (s: string) => utf8(s);

/** Gzip records that expand to about bytesOut bytes: one record, its value all zeros. */
export function gzipBomb(bytesOut: number): Promise<Uint8Array> {
  return compressBatch({
    records: [{ key: K("k"), value: new Uint8Array(bytesOut), timestamp: T0 }],
  });
}

export const GZIP_BOMB_BYTES = 8 * 1024 * 1024;

/**
 * Every case has a valid CRC. The broker test produces them to a topic whose
 * max.message.bytes is below GZIP_BOMB_BYTES.
 */
export const malformedCases: MalformedCase[] = [
  // The ten kinds first reported stored and then unreadable.
  {
    name: "headerCount 3, one header present",
    code: "CORRUPT_MESSAGE",
    batch: () =>
      batchOf(3, (i) =>
        i === 1
          ? {
            headers: concatBytes([
              varint(3),
              headersBytes([{ key: K("a"), value: null }]).subarray(1),
            ]),
          }
          : {}),
  },
  {
    name: "gzip attribute on uncompressed records",
    code: "CORRUPT_MESSAGE",
    batch: () => batchOf(2, () => ({}), { attributes: 1 }),
  },
  {
    name: "record length 3 bytes too long",
    code: "CORRUPT_MESSAGE",
    batch: () => batchOf(3, (i) => i === 0 ? { lengthSkew: 3 } : {}),
  },
  {
    name: "record length 2 bytes too short",
    code: "CORRUPT_MESSAGE",
    batch: () => batchOf(3, (i) => i === 1 ? { lengthSkew: -2 } : {}),
  },
  {
    name: "key length 10^9",
    code: "CORRUPT_MESSAGE",
    batch: () =>
      batchOf(2, (i) =>
        i === 1
          ? {
            body: concatBytes([new Uint8Array([0]), varlong(1), varint(1), varint(1e9), K("abc")]),
          }
          : {}),
  },
  {
    name: "3 trailing bytes after the last record",
    code: "CORRUPT_MESSAGE",
    batch: () => batchOf(2, () => ({}), { trailing: new Uint8Array([1, 2, 3]) }),
  },
  {
    name: "value length past the record",
    code: "CORRUPT_MESSAGE",
    batch: () =>
      batchOf(2, (i) =>
        i === 1
          ? {
            body: concatBytes([
              new Uint8Array([0]),
              varlong(1),
              varint(1),
              varint(-1),
              varint(50),
              K("short"),
              varint(0),
            ]),
          }
          : {}),
  },
  {
    name: "negative header count",
    code: "CORRUPT_MESSAGE",
    batch: () => batchOf(2, (i) => i === 0 ? { headers: varint(-1) } : {}),
  },
  {
    name: "header value length past the record",
    code: "CORRUPT_MESSAGE",
    batch: () =>
      batchOf(
        2,
        (i) =>
          i === 1
            ? { headers: concatBytes([varint(1), varint(1), K("h"), varint(40), K("x")]) }
            : {},
      ),
  },
  {
    name: "recordCount 3, two records",
    code: "CORRUPT_MESSAGE",
    batch: () =>
      sealedBatch(concatBytes([rawRecord({ offsetDelta: 0 }), rawRecord({ offsetDelta: 1 })]), {
        recordCount: 3,
      }),
  },
  {
    name: "recordCount 1, two records",
    code: "CORRUPT_MESSAGE",
    batch: () =>
      sealedBatch(concatBytes([rawRecord({ offsetDelta: 0 }), rawRecord({ offsetDelta: 1 })]), {
        recordCount: 1,
      }),
  },
  // And more.
  {
    name: "overlong varint (6 bytes) as key length",
    code: "CORRUPT_MESSAGE",
    batch: () =>
      batchOf(
        1,
        () => ({
          body: concatBytes([
            new Uint8Array([0]),
            varlong(0),
            varint(0),
            new Uint8Array([0x82, 0x80, 0x80, 0x80, 0x80, 0x00]),
            K("k"),
            varint(-1),
            varint(0),
          ]),
        }),
      ),
  },
  {
    name: "overlong varlong (11 bytes) as timestamp delta",
    code: "CORRUPT_MESSAGE",
    batch: () =>
      batchOf(
        1,
        () => ({
          body: concatBytes([
            new Uint8Array([0]),
            new Uint8Array([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00]),
            varint(0),
            varint(-1),
            varint(-1),
            varint(0),
          ]),
        }),
      ),
  },
  {
    name: "varint truncated by the record's end",
    code: "CORRUPT_MESSAGE",
    batch: () =>
      batchOf(
        1,
        () => ({
          body: concatBytes([
            new Uint8Array([0]),
            varlong(0),
            varint(0),
            varint(-1),
            varint(-1),
            new Uint8Array([0x80]),
          ]),
        }),
      ),
  },
  {
    name: "key length -2",
    code: "CORRUPT_MESSAGE",
    batch: () =>
      batchOf(
        1,
        () => ({
          body: concatBytes([
            new Uint8Array([0]),
            varlong(0),
            varint(0),
            varint(-2),
            varint(-1),
            varint(0),
          ]),
        }),
      ),
  },
  {
    name: "offset deltas 0, 2, 1",
    code: "INVALID_RECORD",
    batch: () => batchOf(3, (i) => ({ offsetDelta: [0, 2, 1][i] })),
  },
  {
    name: "offset deltas 0, 0",
    code: "INVALID_RECORD",
    batch: () => batchOf(2, () => ({ offsetDelta: 0 })),
  },
  {
    name: "lastOffsetDelta 5 for 3 records",
    code: "CORRUPT_MESSAGE",
    batch: () => batchOf(3, () => ({}), { lastOffsetDelta: 5 }),
  },
  {
    name: "recordCount 0 with records present",
    code: "CORRUPT_MESSAGE",
    batch: () => sealedBatch(rawRecord({ offsetDelta: 0 }), { recordCount: 0, lastOffsetDelta: 0 }),
  },
  {
    name: "timestamp beyond 2^53",
    code: "INVALID_TIMESTAMP",
    batch: () =>
      batchOf(2, (i) => ({ timestampDelta: i * 1000 }), {
        baseTimestamp: Number.MAX_SAFE_INTEGER - 5,
        maxTimestamp: Number.MAX_SAFE_INTEGER - 5,
      }),
  },
  {
    name: "header key not UTF-8",
    code: "CORRUPT_MESSAGE",
    batch: () =>
      batchOf(
        2,
        (i) =>
          i === 1
            ? { headers: headersBytes([{ key: new Uint8Array([0x68, 0xc3, 0x28]), value: null }]) }
            : {},
      ),
  },
  {
    name: "header key a UTF-8 surrogate",
    code: "CORRUPT_MESSAGE",
    batch: () =>
      batchOf(
        1,
        () => ({
          headers: headersBytes([{ key: new Uint8Array([0xed, 0xa0, 0x80]), value: null }]),
        }),
      ),
  },
  {
    name: "null header key",
    code: "CORRUPT_MESSAGE",
    batch: () => batchOf(1, () => ({ headers: headersBytes([{ key: null, value: K("v") }]) })),
  },
  {
    name: "gzip section that is not gzip",
    code: "CORRUPT_MESSAGE",
    batch: () => gzipWithSection(new Uint8Array(64).map((_, i) => (i * 37 + 11) & 0xff), 1),
  },
  {
    name: "gzip stream cut short",
    code: "CORRUPT_MESSAGE",
    batch: async () => {
      const whole = await compressBatch({
        records: [{ key: K("k"), value: K("v".repeat(500)), timestamp: T0 }],
      });
      return gzipWithSection(whole.slice(BATCH_HEADER_BYTES, whole.length - 12), 1);
    },
  },
  {
    name: "gzip of malformed records (trailing bytes)",
    code: "CORRUPT_MESSAGE",
    batch: async () => {
      const plain = batchOf(1, () => ({}), { trailing: new Uint8Array([9, 9, 9]) });
      return gzipWithSection(await gzipBytes(plain.subarray(BATCH_HEADER_BYTES)), 1);
    },
  },
  {
    name: "gzip bomb past max.message.bytes",
    code: "MESSAGE_TOO_LARGE",
    batch: () => gzipBomb(GZIP_BOMB_BYTES),
  },
  ...[2, 3, 4].flatMap((code) => codecCases(code)),
];

/** The same four kinds of damage for snappy (2), lz4 (3) and zstd (4). */
function codecCases(code: number): MalformedCase[] {
  const name = codecOf(code).name;
  const compress = (data: Uint8Array) => codecOf(code).compress(data);
  return [
    {
      name: `${name} section that is not ${name}`,
      code: "CORRUPT_MESSAGE",
      batch: () =>
        sealedBatch(new Uint8Array(64).map((_, i) => (i * 37 + 11) & 0xff), {
          recordCount: 1,
          attributes: code,
        }),
    },
    {
      name: `${name} stream cut short`,
      code: "CORRUPT_MESSAGE",
      batch: async () => {
        const plain = batchOf(1, () => ({ value: K("v".repeat(500)) }));
        const section = await compress(plain.subarray(BATCH_HEADER_BYTES));
        return sealedBatch(section.slice(0, section.length - 5), {
          recordCount: 1,
          attributes: code,
        });
      },
    },
    {
      name: `${name} of malformed records (trailing bytes)`,
      code: "CORRUPT_MESSAGE",
      batch: async () => {
        const plain = batchOf(1, () => ({}), { trailing: new Uint8Array([9, 9, 9]) });
        const section = await compress(plain.subarray(BATCH_HEADER_BYTES));
        return sealedBatch(section, { recordCount: 1, attributes: code });
      },
    },
    {
      name: `${name} bomb past max.message.bytes`,
      code: "MESSAGE_TOO_LARGE",
      batch: () =>
        compressBatch({
          compression: code,
          records: [{ key: K("k"), value: new Uint8Array(GZIP_BOMB_BYTES), timestamp: T0 }],
        }),
    },
  ];
}

async function gzipBytes(data: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([data as Uint8Array<ArrayBuffer>]).stream().pipeThrough(
    new CompressionStream("gzip"),
  );
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** A valid batch from our own encoder, values "ok-<tag>-<i>". */
export function validBatch(tag: string, n = 3): Uint8Array {
  return encodeBatch({
    records: Array.from({ length: n }, (_, i) => ({
      key: K(`k${i}`),
      value: K(`ok-${tag}-${i}`),
      headers: [{ key: "h", value: K("x") }],
      timestamp: T0 + i,
    })),
  });
}
