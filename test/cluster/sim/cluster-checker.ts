// The cluster simulation's invariants, checked as the run goes and at its end:
// - an offset holds one value: what an acks=all producer was acknowledged, what a consumer saw
//   and what any replica holds below its high watermark never disagree (no offset reused, no
//   committed record replaced);
// - replicas agree below their high watermarks, batch bytes included (readReplica);
// - a node's high watermark never goes back while that incarnation lives;
// - at most one Raft leader per term;
// - a committed metadata offset means one image on every node that applied it;
// - at the end, every acks=all acknowledged record and every record a consumer saw is on the
//   final leader at its offset with its bytes, and an idempotent producer's record is there once;
// - the consumer group's committed offset of a partition never goes back (read back after every
//   commit acknowledgement and from the final coordinator), and none is above the partition's
//   final high watermark.
// A violation is kept (the first one fails the seed) and the run goes on.
import type { RunningClusterNode } from "../../../src/server/start-cluster-node.ts";
import { imageRecords } from "../../../src/metadata/image-records.ts";
import type { MetadataImage } from "../../../src/metadata/image.ts";
import type { FileSystem } from "../../../runtime/types.ts";
import { readReplica } from "./replica-logs.ts";

export function tpKey(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}

export class ClusterChecker {
  readonly violations: string[] = [];
  /** acks=all acknowledgements: partition -> offset -> value. */
  readonly #acked = new Map<string, Map<number, string>>();
  /** Every value known committed at an offset (acked, consumed, below a replica's HW). */
  readonly #committed = new Map<string, Map<number, string>>();
  /** Below-HW batch fingerprints of replicas. */
  readonly #stored = new Map<string, Map<number, string>>();
  /** Values of the idempotent producer (each must be in the log once). */
  readonly #idempotent = new Set<string>();
  readonly #hw = new WeakMap<RunningClusterNode, Map<string, number>>();
  readonly #leaderOfTerm = new Map<number, number>();
  readonly #imageAt = new Map<number, string>();
  /** The highest committed offset of the group read back so far, per partition. */
  readonly #groupCommitted = new Map<string, number>();
  /** Offset ranges [from, end) per partition whose acks=1 values a crash released. */
  readonly #released = new Map<string, Array<[number, number]>>();
  /** Partitions a lostUnsynced() released, whose consumer may be reset once. */
  readonly #rewindable = new Set<string>();
  checks = {
    hw: 0,
    replicaReads: 0,
    raft: 0,
    metadata: 0,
    groupOffsets: 0,
    releasedAfterCrash: 0,
  };

  violate(message: string): void {
    if (this.violations.length < 20) this.violations.push(message);
  }

  get ok(): boolean {
    return this.violations.length === 0;
  }

  ackedCount(): number {
    let n = 0;
    for (const m of this.#acked.values()) n += m.size;
    return n;
  }

  /** An acks=all producer was told value is at offset. */
  acked(tp: string, offset: number, value: string, idempotent: boolean): void {
    this.#note(this.#acked, tp, offset, value, "acks=all ack");
    this.#note(this.#committed, tp, offset, value, "acks=all ack");
    if (idempotent) this.#idempotent.add(value);
  }

  /**
   * A replica of tp came back from a crash with its log cut at fromOffset (unsynced writes lost).
   * If it was the partition's last in-sync replica when it came back, it leads with the shorter
   * log and the other replicas cut theirs to it, below their high watermarks (Kafka's clean
   * election, docs/replication.md): records above fromOffset that only acks=1 promised may be
   * replaced, and a consumer that read them may be reset. An acks=all acknowledgement is never
   * released: those were fsynced by every in-sync replica before the ack.
   */
  lostUnsynced(tp: string, fromOffset: number): void {
    let end = fromOffset;
    for (const offset of this.#committed.get(tp)?.keys() ?? []) end = Math.max(end, offset + 1);
    if (end > fromOffset) {
      // Until the end of the run: other replicas may still show the old values for a while.
      const ranges = this.#released.get(tp) ?? [];
      ranges.push([fromOffset, end]);
      this.#released.set(tp, ranges);
      this.checks.releasedAfterCrash += end - fromOffset;
    }
    this.#rewindable.add(tp);
  }

  /** Whether before, at offset, may give way to another value (see lostUnsynced). */
  #isReleased(
    table: Map<string, Map<number, string>>,
    tp: string,
    offset: number,
    before: string,
  ): boolean {
    if (table === this.#acked || this.#acked.get(tp)?.get(offset) === before) return false;
    return this.#released.get(tp)?.some(([from, end]) => offset >= from && offset < end) ?? false;
  }

  /** Whether a consumer of tp may read an offset again once (a reset after lostUnsynced). */
  takeRewind(tp: string): boolean {
    return this.#rewindable.delete(tp);
  }

  /** A consumer read value at offset. */
  consumed(tp: string, offset: number, value: string): void {
    this.#note(this.#committed, tp, offset, value, "consumed");
  }

  /** The group's committed offset of tp, as read back from its coordinator. */
  groupCommitted(tp: string, offset: number, when = "read back"): void {
    this.checks.groupOffsets++;
    const before = this.#groupCommitted.get(tp) ?? -1;
    if (offset < before) {
      this.violate(`group's committed offset of ${tp} went back ${before} -> ${offset} (${when})`);
      return;
    }
    this.#groupCommitted.set(tp, offset);
  }

  /** The highest committed offset of the group read back so far (-1: none). */
  groupCommittedMax(tp: string): number {
    return this.#groupCommitted.get(tp) ?? -1;
  }

  /** The end: the final coordinator's offsets, and no committed offset above a final HW. */
  checkGroupFinal(
    final: ReadonlyMap<string, number> | null,
    highWatermark: (tp: string) => number | undefined,
  ): void {
    if (final === null) {
      this.violate("the group's final coordinator did not answer OffsetFetch");
      return;
    }
    for (const [tp, offset] of final) this.groupCommitted(tp, offset, "final coordinator");
    for (const [tp, offset] of this.#groupCommitted) {
      if (!final.has(tp)) this.violate(`group's committed offset of ${tp} is gone at the end`);
      const hw = highWatermark(tp);
      if (hw === undefined || offset > hw) {
        this.violate(`group's committed offset ${offset} of ${tp} is above its final HW ${hw}`);
      }
    }
  }

  /** Follows a node's committed metadata (controller and broker side) from now on. */
  watchMetadata(id: number, node: RunningClusterNode): void {
    const images = [node.membership.committed];
    if (node.controller !== null) images.push(node.controller.committed);
    for (const committed of images) {
      committed.subscribe(
        (delta, image) => this.#metadataAt(id, delta.offset, image),
        { replay: true },
      );
    }
  }

  /** Polled: Raft leadership and high watermarks of every live node. */
  sample(up: ReadonlyArray<[number, RunningClusterNode]>, partitions: readonly string[]): void {
    for (const [id, node] of up) {
      const status = node.controller?.status();
      if (status !== undefined && status.role === "leader") {
        this.checks.raft++;
        const other = this.#leaderOfTerm.get(status.term);
        if (other !== undefined && other !== id) {
          this.violate(`two Raft leaders in term ${status.term}: ${other} and ${id}`);
        }
        this.#leaderOfTerm.set(status.term, id);
      }
      let hws = this.#hw.get(node);
      if (hws === undefined) this.#hw.set(node, hws = new Map());
      for (const tp of partitions) {
        const [topic, partition] = splitTp(tp);
        const offsets = node.broker.partitionOffsets(topic, partition);
        if (offsets === undefined) continue;
        this.checks.hw++;
        const before = hws.get(tp) ?? -1;
        if (offsets.highWatermark < before) {
          this.violate(
            `n${id} ${tp}: high watermark went back ${before} -> ${offsets.highWatermark}`,
          );
        }
        hws.set(tp, Math.max(before, offsets.highWatermark));
      }
    }
  }

  /** Reads every live replica below its HW and checks it against everything known. */
  async compareReplicas(
    up: ReadonlyArray<[number, RunningClusterNode]>,
    fsOf: (id: number) => FileSystem,
    partitions: readonly string[],
  ): Promise<void> {
    for (const [id, node] of up) {
      for (const tp of partitions) {
        const [topic, partition] = splitTp(tp);
        const offsets = node.broker.partitionOffsets(topic, partition);
        if (offsets === undefined || offsets.highWatermark <= 0) continue;
        const records = await readReplica(fsOf(id), `/data/${tp}`, offsets.highWatermark);
        this.checks.replicaReads++;
        for (const r of records) {
          this.#note(this.#stored, tp, r.offset, r.fingerprint, `n${id}'s replica (batch)`);
          this.#note(this.#committed, tp, r.offset, r.value, `n${id}'s replica`);
        }
      }
    }
  }

  /** The end: the final leader's log (below its HW) holds everything known committed. */
  async checkFinal(
    leaderLog: (tp: string) => Promise<Map<number, string> | null>,
  ): Promise<void> {
    const seen = new Map<string, string>();
    for (const [tp, known] of this.#committed) {
      const log = await leaderLog(tp);
      if (log === null) {
        this.violate(`${tp}: no final leader to check ${known.size} committed records against`);
        continue;
      }
      for (const [offset, value] of known) {
        const there = log.get(offset);
        if (there !== value) {
          const what = this.#acked.get(tp)?.get(offset) === value ? "acks=all record" : "record";
          this.violate(
            `${tp}: ${what} ${value} at offset ${offset} is ${
              there ?? "missing"
            } on the final leader`,
          );
        }
      }
      for (const [offset, value] of log) {
        if (!this.#idempotent.has(value)) continue;
        const first = seen.get(value);
        if (first !== undefined) {
          this.violate(`idempotent record ${value} written twice: ${first} and ${tp}@${offset}`);
        }
        seen.set(value, `${tp}@${offset}`);
      }
    }
  }

  #metadataAt(id: number, offset: number, image: MetadataImage): void {
    if (offset < 0) return;
    this.checks.metadata++;
    const fingerprint = JSON.stringify(imageRecords(image));
    const before = this.#imageAt.get(offset);
    if (before === undefined) this.#imageAt.set(offset, fingerprint);
    else if (before !== fingerprint) {
      this.violate(`n${id}: committed metadata at offset ${offset} differs from another node's`);
    }
  }

  #note(
    table: Map<string, Map<number, string>>,
    tp: string,
    offset: number,
    value: string,
    what: string,
  ): void {
    let byOffset = table.get(tp);
    if (byOffset === undefined) table.set(tp, byOffset = new Map());
    const before = byOffset.get(offset);
    if (before === undefined) byOffset.set(offset, value);
    else if (before !== value && this.#isReleased(table, tp, offset, before)) {
      byOffset.set(offset, value);
    } else if (before !== value) {
      this.violate(`${tp} offset ${offset}: ${what} has ${value}, known before as ${before}`);
    }
  }
}

export function splitTp(tp: string): [string, number] {
  const dash = tp.lastIndexOf("-");
  return [tp.slice(0, dash), Number(tp.slice(dash + 1))];
}
