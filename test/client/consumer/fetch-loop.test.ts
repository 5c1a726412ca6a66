// fetch-loop.ts: what it fetches from where, what lands in the buffer, the buffer bound, resets
// on OFFSET_OUT_OF_RANGE, records of a superseded epoch dropped, and how failures are reported.
import { afterEach, describe, expect, it } from "vitest";
import { newAssignment, tpKey } from "../../../src/client/assignment.ts";
import { type FetchSettings, fetchSettings } from "../../../src/client/consumer-options.ts";
import { FetchLoop } from "../../../src/client/fetch-loop.ts";
import { OffsetResets } from "../../../src/client/offset-reset.ts";
import { Positions } from "../../../src/client/positions.ts";
import { assert, TributaryError } from "../../../src/model/errors.ts";
import { ListOffsetsTimestamp } from "../../../src/protocol/cbor/ops/list-offsets.ts";
import { eventually } from "../../support/eventually.ts";
import { batchAt, rt, ScriptedCluster, tp0 } from "./support.ts";

function fetchOffsetOf(body: unknown): number {
  return (body as { partitions: FetchAsk[] }).partitions[0].offset;
}

interface FetchAsk {
  topic: string;
  partition: number;
  offset: number;
}

/** A one-partition "log" behind the scripted Fetch: answers at once with data, else waits. */
class Harness {
  readonly cluster = new ScriptedCluster();
  readonly positions = new Positions(rt.timers);
  readonly reported: Array<{ err: unknown; fatal: boolean }> = [];
  readonly closing = new AbortController();
  /** Batches by base offset, each of `batchRecords` records. */
  readonly batches = new Map<number, Uint8Array>();
  next: Array<() => unknown> = []; // one-shot answers, taking precedence over the log
  closed = false;
  inGroup = false;
  readonly loop: FetchLoop;
  readonly #waiting: Array<() => void> = [];

  constructor(settings: Partial<FetchSettings>, earliest = 0) {
    this.cluster.answers.set("Fetch", (body) => this.#fetch(body as { partitions: FetchAsk[] }));
    this.cluster.answers.set("ListOffsets", (body) => {
      const [p] = (body as { partitions: Array<FetchAsk & { timestamp: number }> }).partitions;
      const offset = p.timestamp === ListOffsetsTimestamp.Earliest ? earliest : this.#end();
      return { partitions: [{ ...p, offset, timestampMs: -1, error: null }] };
    });
    const full = { ...fetchSettings({ bootstrap: "x:1" }), retryBackoffMs: 1, ...settings };
    this.loop = new FetchLoop({
      rt,
      cluster: this.cluster.asCluster(),
      settings: full,
      positions: this.positions,
      resets: new OffsetResets(this.cluster.asCluster(), {
        policy: full.autoOffsetReset,
        group: () => null,
      }),
      closing: this.closing.signal,
      isClosed: () => this.closed,
      inGroup: () => this.inGroup,
      report: (err, fatal) => this.reported.push({ err, fatal }),
    });
  }

  append(baseOffset: number, count: number): void {
    this.batches.set(
      baseOffset,
      batchAt(baseOffset, Array.from({ length: count }, (_, i) => `v${baseOffset + i}`)),
    );
    for (const wake of this.#waiting.splice(0)) wake();
  }

  fetchOffsets(): number[] {
    return this.cluster.callsOf("Fetch").map((c) =>
      (c.body as { partitions: FetchAsk[] }).partitions[0].offset
    );
  }

  async close(): Promise<void> {
    this.closed = true;
    this.closing.abort();
    for (const wake of this.#waiting.splice(0)) wake();
    this.positions.spaceFreed.notify();
    await this.loop.running;
  }

  #end(): number {
    let end = 0;
    for (const [base, bytes] of this.batches) end = Math.max(end, base + countOf(bytes));
    return end;
  }

  async #fetch(body: { partitions: FetchAsk[] }): Promise<unknown> {
    const [ask] = body.partitions;
    const scripted = this.next.shift();
    if (scripted) return scripted();
    let found = [...this.batches].find(([base, b]) =>
      base <= ask.offset && ask.offset < base + countOf(b)
    );
    if (!found && !this.closed) {
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
      found = [...this.batches].find(([base, b]) =>
        base <= ask.offset && ask.offset < base + countOf(b)
      );
    }
    return {
      partitions: [{
        topic: ask.topic,
        partition: ask.partition,
        error: null,
        highWatermark: this.#end(),
        logStartOffset: 0,
        records: found ? found[1] : new Uint8Array(0),
      }],
    };
  }
}

function countOf(batch: Uint8Array): number {
  // lastOffsetDelta sits at byte 23 of a v2 batch header.
  return new DataView(batch.buffer, batch.byteOffset).getInt32(23) + 1;
}

function assign(h: Harness, reset: "earliest" | "latest" | null, position: number | null = null) {
  const a = newAssignment(tp0, reset);
  a.position = a.fetchOffset = position;
  h.positions.assigned.set(tpKey(tp0), a);
  return a;
}

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe("FetchLoop", () => {
  it("fetches from the position on, buffers whole-batch records past it and moves on", async () => {
    const h = (harness = new Harness({}));
    h.append(0, 5);
    h.append(5, 3);
    const a = assign(h, null, 2);
    h.loop.start();
    await eventually(() => h.positions.buffer.size === 6);
    expect(h.positions.take(10).map((r) => r.offset)).toEqual([2, 3, 4, 5, 6, 7]);
    expect(h.fetchOffsets().slice(0, 2)).toEqual([2, 5]);
    expect(a.fetchOffset).toBe(8);
    expect(h.cluster.callsOf("Fetch")[0].nodeId).toBe(1); // the partition's leader
    expect(h.reported).toEqual([]);
  });

  it("resolves a missing position through the reset policy before fetching", async () => {
    const h = (harness = new Harness({}, 3));
    h.append(3, 4);
    assign(h, "earliest");
    h.loop.start();
    await eventually(() => h.positions.buffer.size === 4);
    expect(h.cluster.callsOf("ListOffsets")).toHaveLength(1);
    expect(h.fetchOffsets()[0]).toBe(3);
  });

  it("stops prefetching at bufferedRecordsMax and goes on once poll() took records", async () => {
    const h = (harness = new Harness({ bufferedRecordsMax: 4 }));
    for (let base = 0; base < 20; base += 2) h.append(base, 2);
    assign(h, null, 0);
    h.loop.start();
    await eventually(() => h.positions.buffer.size === 4);
    const fetchesAtBound = h.cluster.callsOf("Fetch").length;
    expect(fetchesAtBound).toBe(2);
    // Nothing more is fetched while the buffer is full ...
    await h.positions.spaceFreed.wait(100);
    expect(h.cluster.callsOf("Fetch")).toHaveLength(fetchesAtBound);
    // ... and a take() lets the loop go on.
    expect(h.positions.take(4)).toHaveLength(4);
    await eventually(() => h.positions.buffer.size === 4);
    expect(h.fetchOffsets().slice(0, 4)).toEqual([0, 2, 4, 6]);
  });

  it("resets by the policy on OFFSET_OUT_OF_RANGE instead of failing", async () => {
    const h = (harness = new Harness({ autoOffsetReset: "earliest" }, 10));
    h.append(10, 2);
    const a = assign(h, null, 500);
    h.next.push(() => ({
      partitions: [{
        ...tp0,
        error: { code: "OFFSET_OUT_OF_RANGE", message: "500 is past the end", retriable: false },
        highWatermark: -1,
        logStartOffset: 10,
        records: new Uint8Array(0),
      }],
    }));
    h.loop.start();
    await eventually(() => h.positions.buffer.size === 2);
    expect(h.fetchOffsets().slice(0, 2)).toEqual([500, 10]);
    expect(a.epoch).toBe(1);
    expect(h.reported).toEqual([]);
  });

  it("drops records fetched for a position a seek() replaced meanwhile", async () => {
    const h = (harness = new Harness({}));
    h.append(0, 3);
    h.append(100, 2);
    const a = assign(h, null, 0);
    h.next.push(() => {
      h.positions.reposition(a, 100, null); // seek(tp0, 100) while the fetch at 0 is out
      return {
        partitions: [{
          ...tp0,
          error: null,
          highWatermark: 102,
          logStartOffset: 0,
          records: h.batches.get(0),
        }],
      };
    });
    h.loop.start();
    await eventually(() => h.positions.buffer.size === 2);
    expect(h.positions.take(10).map((r) => r.offset)).toEqual([100, 101]);
  });

  const notLeader = () => ({
    partitions: [{
      ...tp0,
      error: { code: "NOT_LEADER_OR_FOLLOWER", message: "moved", retriable: true },
      highWatermark: -1,
      logStartOffset: -1,
      records: new Uint8Array(0),
    }],
  });

  it("retries a moved leader quietly within its retries: forgets the route, resumes", async () => {
    const h = (harness = new Harness({ retries: 2 }));
    h.append(0, 1);
    assign(h, null, 0);
    h.next.push(notLeader, notLeader);
    h.loop.start();
    await eventually(() => h.positions.buffer.size === 1);
    expect(h.cluster.invalidated).toEqual(["t", "t"]);
    expect(h.reported).toEqual([]);
    // The same position was asked of the (new) leader each time.
    const asked = h.cluster.callsOf("Fetch").map((c) => fetchOffsetOf(c.body));
    expect(asked.slice(0, 3)).toEqual([0, 0, 0]);
  });

  it("reports a retriable error as not fatal once retries in a row are used up", async () => {
    const h = (harness = new Harness({ retries: 1 }));
    h.append(0, 1);
    assign(h, null, 0);
    h.next.push(notLeader, notLeader);
    h.loop.start();
    await eventually(() => h.positions.buffer.size === 1);
    expect(h.reported).toHaveLength(1);
    expect(h.reported[0].fatal).toBe(false);
    expect((h.reported[0].err as TributaryError).code).toBe("NOT_LEADER_OR_FOLLOWER");
  });

  it("a dropped connection also forgets the route and is retried quietly", async () => {
    const h = (harness = new Harness({ retries: 3 }));
    h.append(0, 1);
    assign(h, null, 0);
    h.next.push(() => {
      throw new TributaryError("NETWORK_EXCEPTION", "test: connection reset");
    });
    h.loop.start();
    await eventually(() => h.positions.buffer.size === 1);
    expect(h.cluster.invalidated).toEqual(["t"]);
    expect(h.reported).toEqual([]);
  });

  it("in a group, does not report a fenced member's errors (the session handles them)", async () => {
    const h = (harness = new Harness({}));
    h.inGroup = true;
    h.append(0, 1);
    assign(h, null, 0);
    h.next.push(() => {
      throw new TributaryError("FENCED_MEMBER_EPOCH", "fenced");
    });
    h.loop.start();
    await eventually(() => h.positions.buffer.size === 1);
    expect(h.reported).toEqual([]);
  });

  it("stops on an invariant violation and reports it as fatal: a bug is not retried", async () => {
    const h = (harness = new Harness({}));
    h.append(0, 1);
    assign(h, null, 0);
    // The hook: handling the answer breaks an invariant of the client's own state.
    h.next.push(() => {
      assert(false, "test hook: client fetch state is inconsistent");
    });
    h.loop.start();
    let ended = false;
    void h.loop.running?.then(() => (ended = true));
    await eventually(() => ended);
    expect(h.cluster.callsOf("Fetch")).toHaveLength(1);
    expect(h.reported).toHaveLength(1);
    expect(h.reported[0].fatal).toBe(true);
    expect((h.reported[0].err as TributaryError).code).toBe("INVARIANT_VIOLATED");
    expect((h.reported[0].err as TributaryError).retriable).toBe(false);
  });

  it("ends once closed, even while a fetch waits for data", async () => {
    const h = new Harness({});
    assign(h, null, 0);
    h.loop.start();
    await eventually(() => h.cluster.callsOf("Fetch").length === 1);
    await h.close();
    expect(h.positions.buffer.size).toBe(0);
  });
});
