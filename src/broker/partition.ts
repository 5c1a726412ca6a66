// One partition as the broker serves it: its log, its leadership facts (leader, replicas, ISR,
// leader epoch), its high watermark and its idempotent producer state.
//
// On a single node the high watermark follows each completed append (produce.ts calls
// setHighWatermark); replication will drive the same method from follower progress. Readers
// never see past it. Appends become readable to fetches in the purgatory via onReadable.
//
// Offline: a partition whose log could not be opened (Partition.offline) has no log at all, and
// one whose log failed while serving keeps it but refuses every operation. Either way every
// request to it gets KAFKA_STORAGE_ERROR naming the reason, and the rest of the broker serves.
// An invariant that fails in the partition's own work (produce, fetch, its log, its producer
// state) takes it offline the same way: contain() is that boundary (docs/invariants.md).
//
// Producer state survives restarts through snapshot files (producer-snapshots.ts): one is
// written after every segment roll and at clean close, and open() restores the newest and
// replays the log after it. The tail of the log is still read at open, to find data that does
// not parse although a clean shutdown vouched for it.
import { assert, TributaryError } from "../model/errors.ts";
import type { Runtime } from "../../runtime/types.ts";
import { containInvariant, invariantViolationIn } from "../model/invariant.ts";
import { type Logger, silentLogger } from "../logging/logger.ts";
import type { LogConfig } from "../log/config.ts";
import { PartitionLog } from "../log/partition-log.ts";
import { logGaps, logTruncations } from "../log/recovery-report.ts";
import { mkdirDurable } from "../metadata/durable-dir.ts";
import { batchesIn } from "../log/record-batch.ts";
import { partitionDir, readPartitionTopicId, writePartitionTopicId } from "./partition-dir.ts";
import { type ProducerStateOptions, ProducerStateTable } from "./producer-state.ts";
import { ProducerSnapshots } from "./producer-snapshots.ts";
import type { TopicPolicy } from "./topic-config.ts";

/** The tail verified at open is at most this many trailing offsets ... */
export const TAIL_SCAN_OFFSETS_MAX = 20_000;
/** ... and this many bytes of log. */
export const TAIL_SCAN_BYTES_MAX = 8 * 1024 * 1024;
const SCAN_CHUNK_BYTES = 1024 * 1024;
const SCAN_ATTEMPTS_MAX = 8;
/** Entries of not-yet-readable appends kept for the fetch purgatory's byte counts. */
const UNREADABLE_ENTRIES_MAX = 4096;

export interface PartitionInit {
  topic: string;
  partition: number;
  topicId: string;
  /** Leadership as the committed metadata says (PartitionCatalog keeps it current). */
  leader: number;
  replicas: number[];
  isr: number[];
  leaderEpoch: number;
  logConfig: Partial<LogConfig>;
  policy: TopicPolicy;
  /** The high watermark moved forward over `bytes` new bytes. */
  onReadable: (partition: Partition, bytes: number) => void;
  /** producer.id.expiration.ms and the bound on producers tracked. */
  producerState?: ProducerStateOptions;
  /** Recovery (`log.truncated`, `log.gap_detected`) and state events; silent when absent. */
  logger?: Logger;
  /**
   * A replica of a replicated partition (cluster mode): its log keeps a leader-epoch cache and
   * its high watermark starts at the log start, to be learnt from the leader (or, as leader,
   * from the ISR), because its log end may hold records no other replica has.
   */
  replicated?: boolean;
}

export class Partition {
  readonly topic: string;
  readonly partition: number;
  readonly topicId: string;
  readonly dir: string;
  readonly #log: PartitionLog | null;
  /** Why the log could not be opened (null when it was). */
  readonly #openFailure: TributaryError | null;
  readonly producers: ProducerStateTable;
  readonly #snapshots: ProducerSnapshots;
  readonly #logger: Logger;
  leader: number;
  leaderEpoch: number;
  replicas: number[];
  isr: number[];
  policy: TopicPolicy;
  #highWatermark: number;
  #unreadable: Array<{ endOffset: number; bytes: number }> = [];
  #closed = false;
  readonly #onReadable: PartitionInit["onReadable"];
  /** Set once an invariant failed in this partition's work; it refuses everything since. */
  #violation: TributaryError | null = null;
  readonly #inflight = new Set<Promise<unknown>>();
  /** Produces waiting in inOrder(); while any is, later ones queue behind it. */
  #orderedWaiting = 0;
  #orderedTail: Promise<void> = Promise.resolve();

  private constructor(
    rt: Pick<Runtime, "fs">,
    init: PartitionInit,
    dir: string,
    log: PartitionLog | TributaryError,
  ) {
    this.topic = init.topic;
    this.partition = init.partition;
    this.topicId = init.topicId;
    this.dir = dir;
    this.#log = log instanceof PartitionLog ? log : null;
    this.#openFailure = log instanceof PartitionLog ? null : log;
    this.leader = init.leader;
    this.leaderEpoch = init.leaderEpoch;
    this.replicas = [...init.replicas];
    this.isr = [...init.isr];
    this.policy = init.policy;
    this.#onReadable = init.onReadable;
    this.#logger = init.logger ?? silentLogger;
    this.producers = new ProducerStateTable(init.producerState);
    this.#snapshots = new ProducerSnapshots({
      fs: rt.fs,
      dir,
      partition: this.name,
      table: this.producers,
      logger: this.#logger,
    });
    // On one node everything the log recovered is committed: there is no other replica to wait
    // for. A replica learns it again (KIP-101: the epoch-based truncation makes that safe).
    this.#highWatermark = log instanceof PartitionLog
      ? (init.replicated === true ? log.logStartOffset : log.logEndOffset)
      : -1;
  }

  /** A partition whose log could not be opened: it exists, but every request to it fails. */
  static offline(
    rt: Pick<Runtime, "fs">,
    dataDir: string,
    init: PartitionInit,
    reason: unknown,
  ): Partition {
    const dir = partitionDir(dataDir, init.topic, init.partition);
    const partition = new Partition(rt, init, dir, offlineReason(dir, reason));
    // An invariant that failed while opening is this partition's: it stays offline, that is all.
    partition.contain(reason);
    return partition;
  }

  static async open(rt: Runtime, dataDir: string, init: PartitionInit): Promise<Partition> {
    const dir = partitionDir(dataDir, init.topic, init.partition);
    await mkdirDurable(rt.fs, dir);
    const owner = await readPartitionTopicId(rt.fs, dir);
    if (owner !== null && owner !== init.topicId) {
      throw new TributaryError(
        "KAFKA_STORAGE_ERROR",
        `${dir} belongs to topic id ${owner}, not ${init.topicId}`,
      );
    }
    if (owner === null) await writePartitionTopicId(rt.fs, dir, init.topicId);
    const where = { topic: init.topic, partition: init.partition };
    const nowMs = () => rt.clock.nowMs();
    // The log rolls before the partition exists: rolls during open() need no snapshot.
    let onRoll = (_baseOffset: number, _reason: string) => {};
    const hooks = { onRoll: (baseOffset: number, reason: string) => onRoll(baseOffset, reason) };
    const epochs = init.replicated === true ? { leaderEpochs: true } : {};
    let log = await PartitionLog.open(rt, dir, init.logConfig, epochs, hooks);
    logTruncations(init.logger ?? silentLogger, where, log.loadReport.truncations);
    const partition = new Partition(rt, init, dir, log);
    let damage: { scanFrom: number } | null;
    try {
      await verifyTail(log);
      await partition.#loadProducers(nowMs());
      logGaps(init.logger ?? silentLogger, where, log.loadReport.gaps);
      partition.#watch(init.logger ?? silentLogger);
      onRoll = (baseOffset, reason) => partition.#rolled(baseOffset, reason);
      return partition;
    } catch (err) {
      damage = corruptDataIn(err, log);
      if (damage === null) {
        await log.close();
        throw err;
      }
    }
    // The tail did not parse although the open trusted it (a clean shutdown's promise, or a
    // segment below the recovery point): recover as after a crash from where the scan began.
    await log.close();
    log = await PartitionLog.open(rt, dir, init.logConfig, {
      ...epochs,
      recoverFromOffset: damage.scanFrom,
      cleanShutdownClaimed: log.loadReport.cleanShutdown,
    }, hooks);
    logTruncations(init.logger ?? silentLogger, where, log.loadReport.truncations);
    const recovered = new Partition(rt, init, dir, log);
    try {
      await recovered.#loadProducers(nowMs());
    } catch (err) {
      await log.close();
      throw err;
    }
    logGaps(init.logger ?? silentLogger, where, log.loadReport.gaps);
    recovered.#watch(init.logger ?? silentLogger);
    onRoll = (baseOffset, reason) => recovered.#rolled(baseOffset, reason);
    return recovered;
  }

  async #loadProducers(nowMs: number): Promise<void> {
    const loaded = await this.#snapshots.load(this.log, nowMs);
    this.#logger.debug("producer.state_loaded", `${this.name}: producer state loaded`, {
      partition: this.name,
      snapshotOffset: loaded.snapshotOffset ?? -1,
      replayedOffsets: loaded.replayedOffsets,
      producers: this.producers.producerCount,
    });
    if (this.producers.evictedAtLoad > 0) {
      this.#logger.warn(
        "producer.evicted",
        `${this.name}: ${this.producers.evictedAtLoad} idle producers dropped at load, over the limit`,
        { partition: this.name, producers: this.producers.evictedAtLoad },
      );
    }
  }

  /** After the log rolled at baseOffset: snapshot the producer state there. */
  #rolled(baseOffset: number, reason: string): void {
    this.#logger.debug("log.rolled", `${this.name}: new segment at ${baseOffset} (${reason})`, {
      partition: this.name,
      baseOffset,
      reason,
    });
    if (this.#closed) return;
    this.track(this.#snapshotAt(baseOffset));
  }

  async #snapshotAt(offset: number): Promise<void> {
    try {
      await this.#snapshots.writeAt(offset);
    } catch (err) {
      // The log stays usable; a missing snapshot only makes the next open replay more.
      this.#logger.error(
        "producer.snapshot_failed",
        `${this.name}: producer snapshot at ${offset} failed: ${
          err instanceof Error ? err.message : String(err)
        }`,
        { partition: this.name, offset },
      );
    }
  }

  /** Forgets producers idle past producer.id.expiration.ms; returns how many. */
  expireProducers(nowMs: number): number {
    return this.producers.expire(nowMs);
  }

  /**
   * Cuts the log at offset (replication's truncation); snapshots past the new end go and the
   * producer state is rebuilt from what remains.
   */
  async truncateTo(offset: number, nowMs: number): Promise<void> {
    this.checkOpen();
    await this.track(
      (async () => {
        await this.log.truncateTo(offset);
        await this.#snapshots.deleteAbove(this.log.logEndOffset);
        await this.#loadProducers(nowMs);
        this.#highWatermark = Math.min(this.#highWatermark, this.log.logEndOffset);
        const end = this.log.logEndOffset;
        this.#unreadable = this.#unreadable.filter((u) => u.endOffset <= end);
      })(),
    );
  }

  /** Logs the log's failures and full-disk transitions as this partition's events. */
  #watch(logger: Logger): void {
    const fields = { topic: this.topic, partition: this.partition };
    this.#log?.onHealthChange((event) => {
      if (event.kind === "failed") {
        // The log failed on an invariant of its own: contained here, before it travels on.
        this.contain(event.error);
        const reason = event.error.message;
        logger.error("partition.offline", `partition ${this.name} is offline: ${reason}`, {
          ...fields,
          reason,
        });
      } else if (event.kind === "write_degraded") {
        const reason = event.error.message;
        logger.warn("partition.write_degraded", `writes to ${this.name} fail: ${reason}`, {
          ...fields,
          reason,
        });
      } else {
        logger.info("partition.write_resumed", `writes to ${this.name} work again`, fields);
      }
    });
  }

  /** The log; throws the KAFKA_STORAGE_ERROR that took the partition offline. */
  /** New topic configs, once committed: the log's settings and what the broker enforces. */
  reconfigure(logConfig: LogConfig, policy: TopicPolicy): void {
    this.policy = policy;
    this.#log?.updateConfig(logConfig);
  }

  get log(): PartitionLog {
    if (this.#log === null) throw this.#openFailure as TributaryError;
    const failure = this.#log.failure ?? this.#violation;
    if (failure !== null) throw failure;
    return this.#log;
  }

  /** Why the partition cannot serve (open failed, its log failed, an invariant failed), or null. */
  get offlineReason(): TributaryError | null {
    return this.#openFailure ?? this.#log?.failure ?? this.#violation;
  }

  /**
   * The partition boundary for invariants. When err is (or wraps) an invariant violation, the
   * partition goes offline (`invariant.violated`, `partition.offline`) and the caller gets the
   * KAFKA_STORAGE_ERROR every later request will get (returned); the violation counts as
   * contained, so nothing escalates it to the process. Null for any other error.
   */
  contain(err: unknown): TributaryError | null {
    const violation = invariantViolationIn(err);
    if (violation === null) return null;
    containInvariant(violation);
    if (this.#violation !== null) return this.offlineReason;
    const wasOffline = this.offlineReason !== null;
    const reason = `invariant violated: ${violation.invariant}`;
    this.#violation = new TributaryError(
      "KAFKA_STORAGE_ERROR",
      `partition ${this.name} is offline: ${reason}`,
      { cause: violation },
    );
    const fields = { topic: this.topic, partition: this.partition };
    this.#logger.error(
      "invariant.violated",
      `${reason} in partition ${this.name}; taking it offline`,
      { ...fields, invariant: violation.invariant },
    );
    if (!wasOffline) {
      this.#logger.error("partition.offline", `partition ${this.name} is offline: ${reason}`, {
        ...fields,
        reason,
      });
    }
    return this.offlineReason;
  }

  /** Why appends fail while reads still serve (a full disk), or null. */
  get writeDegraded(): TributaryError | null {
    return this.#log?.writeDegraded ?? null;
  }

  /** Bytes of its log on disk (0 when offline without a log). */
  get sizeBytes(): number {
    return this.#log?.sizeBytes ?? 0;
  }

  get name(): string {
    return `${this.topic}-${this.partition}`;
  }

  /** -1 for a partition whose log could not be opened. */
  get highWatermark(): number {
    return this.#highWatermark;
  }

  /** Throws KAFKA_STORAGE_ERROR when offline. */
  get logStartOffset(): number {
    return this.log.logStartOffset;
  }

  get logEndOffset(): number {
    return this.log.logEndOffset;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Moves the high watermark forward (never back); `bytes` became readable with it. */
  setHighWatermark(offset: number, bytes?: number): void {
    assert(offset <= this.log.logEndOffset, `${this.name}: HW ${offset} beyond LEO`);
    if (offset <= this.#highWatermark) return;
    this.#highWatermark = offset;
    this.#onReadable(this, bytes ?? this.#takeUnreadable(offset));
  }

  /**
   * Bytes appended up to endOffset that are not readable yet (a replicated partition: the HW
   * comes later), so the fetch purgatory learns how many bytes a HW move makes readable.
   */
  noteAppended(endOffset: number, bytes: number): void {
    if (this.#unreadable.length >= UNREADABLE_ENTRIES_MAX) {
      // Merge the oldest two: the byte count stays right, only its split gets coarser.
      const [a, b] = this.#unreadable.splice(0, 2);
      this.#unreadable.unshift({ endOffset: b.endOffset, bytes: a.bytes + b.bytes });
    }
    this.#unreadable.push({ endOffset, bytes });
  }

  #takeUnreadable(highWatermark: number): number {
    let bytes = 0;
    let drop = 0;
    while (
      drop < this.#unreadable.length && this.#unreadable[drop].endOffset <= highWatermark
    ) {
      bytes += this.#unreadable[drop].bytes;
      drop++;
    }
    this.#unreadable.splice(0, drop);
    return bytes;
  }

  /**
   * Appends batches a leader sent, with their offsets and epochs, durably; the producer state
   * follows them, so this replica knows every live producer when it becomes leader.
   */
  async appendReplicated(bytes: Uint8Array, nowMs: number): Promise<void> {
    this.checkOpen();
    await this.track(
      (async () => {
        await this.log.appendWithOffsets(bytes, { durable: true });
        for (const { header } of batchesIn(bytes)) this.producers.replay(header, nowMs);
        const last = this.log.logEndOffset;
        this.noteAppended(last, bytes.length);
      })(),
    );
  }

  /** Empties the log and starts it at offset (a follower behind the leader's log start). */
  async resetTo(offset: number, nowMs: number): Promise<void> {
    this.checkOpen();
    await this.track(
      (async () => {
        await this.log.resetTo(offset);
        await this.#snapshots.deleteAbove(-1);
        this.producers.clear();
        await this.#loadProducers(nowMs);
        this.#unreadable = [];
        this.#highWatermark = offset;
      })(),
    );
  }

  /** Throws UNKNOWN_TOPIC_OR_PARTITION once the partition was closed (topic deleted). */
  checkOpen(): void {
    if (this.#closed) {
      throw new TributaryError("UNKNOWN_TOPIC_OR_PARTITION", `partition ${this.name} was removed`);
    }
  }

  /** Registers an operation that must finish before the log closes. */
  track<T>(operation: Promise<T>): Promise<T> {
    this.#inflight.add(operation);
    const forget = () => this.#inflight.delete(operation);
    operation.then(forget, forget);
    return operation;
  }

  /** True while a produce waits in inOrder(): a later one must queue too, or it overtakes. */
  get ordering(): boolean {
    return this.#orderedWaiting > 0;
  }

  /**
   * Runs step once ready has settled and every earlier inOrder step has run, so produces that
   * must wait (a gzip batch is checked asynchronously) still reach the log in call order. step
   * is not run when ready rejects; the result then rejects with ready's error.
   */
  inOrder<T>(ready: Promise<unknown>, step: () => Promise<T>): Promise<T> {
    this.#orderedWaiting++;
    type Outcome = { running: Promise<T> } | { failed: unknown };
    // step runs in the same callback that leaves the queue: no produce can slip in between.
    const turn = this.#orderedTail.then(() => ready).then(
      (): Outcome => {
        this.#orderedWaiting--;
        try {
          return { running: step() };
        } catch (err) {
          return { failed: err };
        }
      },
      (err: unknown): Outcome => {
        this.#orderedWaiting--;
        return { failed: err };
      },
    );
    this.#orderedTail = turn.then(() => undefined);
    return turn.then((t) => ("running" in t ? t.running : Promise.reject(t.failed)));
  }

  /** Waits for tracked operations, then closes the log cleanly. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.allSettled([...this.#inflight]);
    // Everything tracked settled: the table is exact up to the log end. An offline log has
    // nothing to vouch for.
    if (this.offlineReason === null) await this.#snapshotAt(this.log.logEndOffset);
    await this.#log?.close();
  }
}

/** A load failure as the KAFKA_STORAGE_ERROR that requests to the partition will get. */
function offlineReason(dir: string, err: unknown): TributaryError {
  if (err instanceof TributaryError && err.code === "KAFKA_STORAGE_ERROR") return err;
  const message = err instanceof Error ? err.message : String(err);
  return new TributaryError("KAFKA_STORAGE_ERROR", `opening ${dir} failed: ${message}`, {
    cause: err,
  });
}

/**
 * Whether err is the log failing on data that does not parse (rather than an I/O error); the
 * producer state scan's start is where a forced recovery begins.
 */
function corruptDataIn(err: unknown, log: PartitionLog): { scanFrom: number } | null {
  const cause = err instanceof TributaryError ? err.cause : undefined;
  const corrupt = err instanceof TributaryError && err.code === "KAFKA_STORAGE_ERROR" &&
    cause instanceof TributaryError && cause.code === "CORRUPT_MESSAGE";
  if (!corrupt) return null;
  return { scanFrom: Math.max(log.logStartOffset, log.logEndOffset - TAIL_SCAN_OFFSETS_MAX) };
}

/**
 * Reads the batches of the log's tail, so data that does not parse although the open trusted it
 * (a clean shutdown's promise) is found now, while the partition can still be recovered as after
 * a crash, instead of by the first reader. Bounded in offsets and bytes: when the window holds
 * too many bytes it shrinks and the scan starts over closer to the end.
 */
async function verifyTail(log: PartitionLog): Promise<void> {
  let windowOffsets = TAIL_SCAN_OFFSETS_MAX;
  for (let attempt = 0; attempt < SCAN_ATTEMPTS_MAX; attempt++) {
    const from = Math.max(log.logStartOffset, log.logEndOffset - windowOffsets);
    if (await scanTail(log, from)) return;
    windowOffsets = Math.max(1, Math.floor(windowOffsets / 4));
  }
}

async function scanTail(log: PartitionLog, from: number): Promise<boolean> {
  let offset = from;
  let bytesRead = 0;
  const end = log.logEndOffset;
  while (offset < end) {
    if (bytesRead >= TAIL_SCAN_BYTES_MAX) return false;
    offset = log.gapAt(offset)?.toOffset ?? offset;
    if (offset >= end) break;
    const { bytes, nextOffset } = await log.read(offset, SCAN_CHUNK_BYTES);
    assert(nextOffset > offset, `tail scan at ${offset} made no progress`);
    for (const _batch of batchesIn(bytes)) {
      // Walking the batches is the check: a malformed one throws here.
    }
    bytesRead += bytes.length;
    offset = nextOffset;
  }
  return true;
}
