// The reference the simulated partition log is checked against: the batches it should hold, in
// offset order, each with the bytes the log must return and whether a crash may take it.

import type { PartitionLog, ReadResult } from "../../../src/log/partition-log.ts";
import { batchesIn, decodeRecords, lastOffsetOf } from "../../../src/log/record-batch.ts";

/** Cheap assertion: vitest's expect costs microseconds per call, and the model checks a lot. */
export function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export interface ModelBatch {
  base: number;
  last: number;
  bytes: Uint8Array;
  /** Acknowledged durable (durable append, flush, close or a completed open covered it). */
  durable: boolean;
}

export class LogModel {
  batches: ModelBatch[] = [];
  logStart = 0;
  /** The log end offset the log must report (updated from the log where only it can know). */
  end = 0;

  add(bytes: Uint8Array): ModelBatch[] {
    const added: ModelBatch[] = [];
    for (const { position, header } of batchesIn(bytes)) {
      const size = header.batchLength + 12;
      const batch = {
        base: header.baseOffset,
        last: lastOffsetOf(header),
        bytes: bytes.slice(position, position + size),
        durable: false,
      };
      check(batch.base >= this.end, `model batch ${batch.base} appended below the end ${this.end}`);
      this.batches.push(batch);
      this.end = batch.last + 1;
      added.push(batch);
    }
    return added;
  }

  /** Everything the log holds now is durable (after flush/close resolved, or open). */
  markAllDurable(): void {
    for (const batch of this.batches) batch.durable = true;
  }

  /** Batches the log returns from logStart on (the one holding logStart included). */
  visible(): ModelBatch[] {
    return this.batches.filter((b) => b.last >= this.logStart);
  }

  /** The first record at or after the log start with a timestamp >= timestampMs. */
  offsetForTimestamp(timestampMs: number): { offset: number; timestamp: number } | null {
    for (const batch of this.visible()) {
      for (const record of decodeRecords(batch.bytes)) {
        if (record.offset >= this.logStart && record.timestamp >= timestampMs) {
          return { offset: record.offset, timestamp: record.timestamp };
        }
      }
    }
    return null;
  }

  /** What a read must return, by Kafka's rules and our one-segment-per-read bound. */
  checkRead(offset: number, maxBytes: number, maxOffset: number, result: ReadResult): void {
    const candidates = this.visible().filter((b) => b.last >= offset);
    const got = [...batchesIn(result.bytes)];
    let total = 0;
    got.forEach(({ position, header }, i) => {
      const expected = candidates[i];
      const size = header.batchLength + 12;
      check(expected !== undefined, `read(${offset}) returned more batches than the model has`);
      check(
        sameBytes(result.bytes.subarray(position, position + size), expected.bytes),
        `read(${offset}) batch ${i} differs from the model's ${expected.base}`,
      );
      check(
        expected.last < maxOffset,
        `read(${offset}) returned batch ${expected.base}-${expected.last} past maxOffset ${maxOffset}`,
      );
      total += size;
    });
    check(total === result.bytes.length, `read(${offset}) returned a partial batch`);
    check(
      got.length <= 1 || total <= maxBytes,
      `read(${offset}) returned ${total} bytes, maxBytes ${maxBytes}`,
    );
    const first = candidates[0];
    if (got.length === 0) {
      const mayBeEmpty = first === undefined || first.last >= maxOffset || offset >= maxOffset;
      check(
        mayBeEmpty,
        `read(${offset}, ${maxBytes}, maxOffset ${maxOffset}) is empty though batch ${first?.base} qualifies`,
      );
      check(
        result.nextOffset === offset,
        `empty read(${offset}) has nextOffset ${result.nextOffset}`,
      );
    } else {
      const next = candidates[got.length - 1].last + 1;
      check(
        result.nextOffset === next,
        `read(${offset}) nextOffset ${result.nextOffset}, expected ${next}`,
      );
    }
  }
}

/** Reads the whole log from its start, chunk by chunk; returns the batches' bytes. */
export async function readAllBatches(log: PartitionLog): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  let offset = log.logStartOffset;
  for (let i = 0; i < 10_000 && offset < log.logEndOffset; i++) {
    const { bytes, nextOffset } = await log.read(offset, 64 * 1024);
    for (const { position, header } of batchesIn(bytes)) {
      out.push(bytes.slice(position, position + header.batchLength + 12));
    }
    if (nextOffset === offset) break;
    offset = nextOffset;
  }
  return out;
}

/**
 * After a restart: the log must hold a prefix of the model's batches from its log start on
 * (in-flight appends may or may not have landed, unflushed ones may be gone), with every
 * durable batch present and byte-identical; its log end lies between that prefix's end and the
 * next model batch. The model then becomes what survived, all of it durable.
 */
export async function checkAfterRestart(
  log: PartitionLog,
  model: LogModel,
  logStartRange: [number, number],
): Promise<void> {
  const logStart = log.logStartOffset;
  check(
    logStart >= logStartRange[0] && logStart <= logStartRange[1],
    `log start offset ${logStart} after restart, expected within [${logStartRange}]`,
  );
  model.logStart = logStart;
  const candidates = model.visible();
  const content = await readAllBatches(log);
  check(
    content.length <= candidates.length,
    `${content.length} batches after restart, the model has ${candidates.length}`,
  );
  const mismatch = content.findIndex((bytes, i) => !sameBytes(bytes, candidates[i].bytes));
  if (mismatch >= 0) {
    const got = content.map((bytes) =>
      `${[...batchesIn(bytes)][0].header.baseOffset}:${bytes.length}`
    ).join(" ");
    const want = candidates.map((b) => `${b.base}:${b.bytes.length}`).join(" ");
    check(
      false,
      `batch ${mismatch} (offset ${
        candidates[mismatch].base
      }) differs after restart\n  log:   ${got}\n  model: ${want}`,
    );
  }
  const lost = candidates.slice(content.length);
  const lostDurable = lost.find((b) => b.durable);
  check(
    lostDurable === undefined,
    `batch ${lostDurable?.base} was acknowledged durable and is lost`,
  );
  const prefixEnd = content.length > 0 ? candidates[content.length - 1].last + 1 : logStart;
  const ceiling = lost.length > 0 ? lost[0].base : model.end;
  const where = `log end after restart (segments ${log.segmentBaseOffsets().join(",")}, ` +
    `${content.length} batches read up to ${prefixEnd}, model next ${lost[0]?.base ?? "none"})`;
  const end = log.logEndOffset;
  check(
    end >= prefixEnd && end <= Math.max(ceiling, logStart),
    `${where}: ${end} outside [${prefixEnd}, ${Math.max(ceiling, logStart)}]`,
  );
  check(
    log.recoveryPoint === end,
    `open() left recoveryPoint ${log.recoveryPoint} below the log end ${end}`,
  );
  model.batches = candidates.slice(0, content.length);
  model.end = log.logEndOffset;
  model.markAllDurable();
}

/** Cheap checks after every operation of a healthy log. */
export function checkLive(log: PartitionLog, model: LogModel): void {
  check(log.logEndOffset === model.end, `log end offset ${log.logEndOffset}, model ${model.end}`);
  check(
    log.logStartOffset === model.logStart,
    `log start offset ${log.logStartOffset}, model ${model.logStart}`,
  );
  check(
    log.recoveryPoint <= log.logEndOffset,
    `recoveryPoint ${log.recoveryPoint} past the log end`,
  );
  check(log.logStartOffset <= log.logEndOffset, `log start ${log.logStartOffset} past the log end`);
}
