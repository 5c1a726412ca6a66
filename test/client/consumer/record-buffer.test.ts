// record-buffer.ts: arrival order across chunks, the take bound, positions advanced as records
// leave, and chunks of an old epoch or an unowned assignment skipped and uncounted.
import { describe, expect, it } from "vitest";
import { newAssignment } from "../../../src/client/assignment.ts";
import { RecordBuffer } from "../../../src/client/record-buffer.ts";
import { records, tp0, tp1 } from "./support.ts";

describe("RecordBuffer", () => {
  it("hands out records in arrival order, at most maxRecords, advancing positions", () => {
    const buffer = new RecordBuffer();
    const a = newAssignment(tp0, null);
    const b = newAssignment(tp1, null);
    buffer.push(a, 0, records(tp0, 10, 3));
    buffer.push(b, 0, records(tp1, 0, 2));
    buffer.push(a, 0, records(tp0, 13, 1));
    expect(buffer.size).toBe(6);

    const handedOut = new Set<typeof a>();
    const first = buffer.take(4, handedOut);
    expect(first.map((r) => `${r.partition}:${r.offset}`)).toEqual(["0:10", "0:11", "0:12", "1:0"]);
    expect(a.position).toBe(13);
    expect(b.position).toBe(1);
    expect([...handedOut]).toEqual([a, b]);
    expect(buffer.size).toBe(2);

    const rest = buffer.take(100, new Set());
    expect(rest.map((r) => `${r.partition}:${r.offset}`)).toEqual(["1:1", "0:13"]);
    expect(buffer.size).toBe(0);
    expect(buffer.take(10, new Set())).toEqual([]);
  });

  it("skips a chunk fetched under an older epoch without handing anything out", () => {
    const buffer = new RecordBuffer();
    const a = newAssignment(tp0, null);
    buffer.push(a, 0, records(tp0, 0, 5));
    a.epoch = 1; // a seek() happened
    buffer.push(a, 1, records(tp0, 100, 2));
    const out = buffer.take(10, new Set());
    expect(out.map((r) => r.offset)).toEqual([100, 101]);
    expect(a.position).toBe(102);
    expect(buffer.size).toBe(0);
  });

  it("dropStale removes old-epoch and unowned chunks and their count, keeping the rest", () => {
    const buffer = new RecordBuffer();
    const a = newAssignment(tp0, null);
    const b = newAssignment(tp1, null);
    buffer.push(a, 0, records(tp0, 0, 3));
    buffer.push(b, 0, records(tp1, 0, 4));
    buffer.take(1, new Set()); // one of a's records is out: 2 left in its chunk
    a.epoch++;
    buffer.dropStale(() => true);
    expect(buffer.size).toBe(4);
    buffer.dropStale((x) => x !== b);
    expect(buffer.size).toBe(0);
    expect(buffer.take(10, new Set())).toEqual([]);
  });
});
