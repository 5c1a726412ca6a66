// The "consumer" protocol type's embedded formats (Kafka's ConsumerProtocolSubscription and
// ConsumerProtocolAssignment, big-endian, not flexible), read only to show a classic group's
// topics and assignments in describe output and lag, and written to describe a native member
// the way Kafka clients expect. Anything that does not parse shows as nothing: these bytes are
// the clients' business and never affect group state.
//
//   Subscription: version int16, topics [int32 n, n x string], userData bytes, ...(v1+ fields)
//   Assignment:   version int16, [int32 n, n x (topic string, [int32 m, m x int32])], userData
//   string = int16 length + UTF-8; bytes = int32 length (-1: null) + bytes
import { type Assignment, compareStrings, normalizeAssignment } from "../assignment.ts";

const NAMES_MAX = 100_000;

class Reader {
  #pos = 0;
  readonly #view: DataView;
  readonly #bytes: Uint8Array;

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  int16(): number {
    const v = this.#view.getInt16(this.#pos);
    this.#pos += 2;
    return v;
  }

  int32(): number {
    const v = this.#view.getInt32(this.#pos);
    this.#pos += 4;
    return v;
  }

  count(): number {
    const n = this.int32();
    if (n < 0 || n > NAMES_MAX || n > this.#bytes.length - this.#pos) throw new RangeError("count");
    return n;
  }

  string(): string {
    const n = this.int16();
    if (n < 0 || this.#pos + n > this.#bytes.length) throw new RangeError("string");
    const s = new TextDecoder("utf-8", { fatal: true }).decode(
      this.#bytes.subarray(this.#pos, this.#pos + n),
    );
    this.#pos += n;
    return s;
  }
}

/** The topics a consumer subscribes to; [] when the bytes are not a subscription. */
export function subscriptionTopics(metadata: Uint8Array): string[] {
  try {
    const r = new Reader(metadata);
    if (r.int16() < 0) return [];
    const n = r.count();
    const topics: string[] = [];
    for (let i = 0; i < n; i++) topics.push(r.string());
    return [...new Set(topics)].sort(compareStrings);
  } catch {
    // Not our format to police (a client's own protocol, or truncated): nothing to show.
    return [];
  }
}

/** The partitions an assignment gives; [] when the bytes are not an assignment. */
export function assignmentPartitions(assignment: Uint8Array): Assignment {
  try {
    const r = new Reader(assignment);
    if (assignment.length === 0 || r.int16() < 0) return [];
    const n = r.count();
    const list: { topic: string; partitions: number[] }[] = [];
    for (let i = 0; i < n; i++) {
      const topic = r.string();
      const m = r.count();
      const partitions: number[] = [];
      for (let j = 0; j < m; j++) {
        const p = r.int32();
        if (p >= 0) partitions.push(p);
      }
      if (topic.length > 0) list.push({ topic, partitions });
    }
    return normalizeAssignment(list);
  } catch {
    return [];
  }
}

/** ConsumerProtocolAssignment version 0 with empty user data. */
export function encodeAssignment(assignment: Assignment): Uint8Array {
  const encoder = new TextEncoder();
  const topics = assignment.map((t) => ({ name: encoder.encode(t.topic), partitions: t.partitions }));
  let size = 2 + 4 + 4;
  for (const t of topics) size += 2 + t.name.length + 4 + 4 * t.partitions.length;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  let pos = 0;
  view.setInt16(pos, 0);
  pos += 2;
  view.setInt32(pos, topics.length);
  pos += 4;
  for (const t of topics) {
    view.setInt16(pos, t.name.length);
    pos += 2;
    out.set(t.name, pos);
    pos += t.name.length;
    view.setInt32(pos, t.partitions.length);
    pos += 4;
    for (const p of t.partitions) {
      view.setInt32(pos, p);
      pos += 4;
    }
  }
  view.setInt32(pos, 0);
  return out;
}
