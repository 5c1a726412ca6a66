// The metadata image as of the last committed batch of the metadata log, and the listeners that
// react to each committed batch. The driver (today nothing; the controller's Raft driver next)
// hands over each batch once it is committed, in log order, with the offset of its last entry
// and the epoch it was written in; listeners get (delta, newImage) in the order they subscribed.
// Pure and synchronous: no I/O, no clock, so the simulator and replay tests drive it directly.
//
// A batch is one atomic change. Every record is applied to a copy of the image; if the image
// refuses one (a stale broker or partition change, cluster-apply.ts), the whole batch changes
// nothing, but it is still committed: the offset advances and the delta says what was refused,
// so every node that replays the same log refuses the same batch and ends with the same image.
// Published images are never changed again, so a listener may keep the one it was handed.
import { assert, TributaryError } from "../model/errors.ts";
import { diffImages, type MetadataDelta } from "./delta.ts";
import { MetadataImage } from "./image.ts";
import type { MetadataRecord } from "./records.ts";

export interface CommittedBatch {
  records: readonly MetadataRecord[];
  /** Offset of the batch's last entry; a batch of no records (a Raft leader's no-op) is fine. */
  lastOffset: number;
  /** The epoch (Raft term) the batch was written in. */
  epoch: number;
}

export type MetadataListener = (delta: MetadataDelta, image: MetadataImage) => void;

/** Listeners on one image; more is a leak (each broker component subscribes once). */
export const METADATA_LISTENERS_MAX = 1024;

export class CommittedImage {
  #image: MetadataImage;
  #offset: number;
  #epoch: number;
  #listeners: MetadataListener[] = [];

  /** From an empty image (offset and epoch -1: nothing committed), or from a snapshot's. */
  constructor(from?: { image: MetadataImage; offset: number; epoch: number }) {
    this.#image = from?.image.clone() ?? new MetadataImage();
    this.#offset = from?.offset ?? -1;
    this.#epoch = from?.epoch ?? -1;
  }

  get image(): MetadataImage {
    return this.#image;
  }

  /** Offset of the last committed batch applied; -1 before the first. */
  get committedOffset(): number {
    return this.#offset;
  }

  get committedEpoch(): number {
    return this.#epoch;
  }

  /**
   * Calls listener after every committed batch from now on. With `replay`, first calls it once
   * with the delta from an empty image to the current one, so a late subscriber starts from the
   * whole state the way an early one built it up. Returns the unsubscribe function.
   */
  subscribe(listener: MetadataListener, options: { replay?: boolean } = {}): () => void {
    if (this.#listeners.length >= METADATA_LISTENERS_MAX) {
      throw new TributaryError("INVALID_REQUEST", `more than ${METADATA_LISTENERS_MAX} listeners`);
    }
    this.#listeners = [...this.#listeners, listener];
    if (options.replay === true) {
      const at = { offset: this.#offset, epoch: this.#epoch };
      listener(diffImages(new MetadataImage(), this.#image, at), this.#image);
    }
    return () => {
      this.#listeners = this.#listeners.filter((l) => l !== listener);
    };
  }

  /**
   * Applies one committed batch and notifies every listener. Offsets must increase and epochs
   * never go back: anything else is a bug in the driver, and asserts. A topic record that
   * contradicts the image asserts too (its writer's bug) and commits nothing, not even the
   * offset. A listener that throws does not stop the others; the first error is rethrown once
   * all have run.
   */
  applyCommitted(batch: CommittedBatch): MetadataDelta {
    assert(
      Number.isSafeInteger(batch.lastOffset) && batch.lastOffset > this.#offset,
      `committed batch at offset ${batch.lastOffset} does not follow ${this.#offset}`,
    );
    assert(
      Number.isSafeInteger(batch.epoch) && batch.epoch >= this.#epoch,
      `committed batch of epoch ${batch.epoch} follows epoch ${this.#epoch}`,
    );
    const at = { offset: batch.lastOffset, epoch: batch.epoch };
    const before = this.#image;
    const { image, refused } = applyBatch(before, batch.records);
    const delta = diffImages(before, image, at);
    delta.refused = refused;
    this.#image = image;
    this.#offset = batch.lastOffset;
    this.#epoch = batch.epoch;
    this.#notify(delta, image);
    return delta;
  }

  /**
   * Jumps to a snapshot of a later committed state (a follower that fell behind the leader's
   * log compaction) and notifies every listener with the difference, as if the batches between
   * had been applied one by one and their deltas merged.
   */
  applySnapshot(snapshot: { image: MetadataImage; offset: number; epoch: number }): MetadataDelta {
    assert(
      Number.isSafeInteger(snapshot.offset) && snapshot.offset > this.#offset,
      `snapshot at offset ${snapshot.offset} does not follow ${this.#offset}`,
    );
    assert(snapshot.epoch >= this.#epoch, `snapshot of epoch ${snapshot.epoch} goes back`);
    const image = snapshot.image.clone();
    const delta = diffImages(this.#image, image, snapshot);
    this.#image = image;
    this.#offset = snapshot.offset;
    this.#epoch = snapshot.epoch;
    this.#notify(delta, image);
    return delta;
  }

  #notify(delta: MetadataDelta, image: MetadataImage): void {
    // A listener that subscribes or unsubscribes meanwhile changes the next batch's list.
    const listeners = this.#listeners;
    let failure: { error: unknown } | null = null;
    for (const listener of listeners) {
      try {
        listener(delta, image);
      } catch (error) {
        failure ??= { error };
      }
    }
    if (failure !== null) throw failure.error;
  }
}

/**
 * The image after a batch, or the image before it with what was refused. Refusals are typed
 * TributaryErrors; anything else (an assertion on a contradicting topic record) propagates.
 */
export function applyBatch(
  image: MetadataImage,
  records: readonly MetadataRecord[],
): { image: MetadataImage; refused: MetadataDelta["refused"] } {
  if (records.length === 0) return { image, refused: null };
  const next = image.clone();
  for (let index = 0; index < records.length; index++) {
    try {
      next.apply(records[index]);
    } catch (err) {
      if (!(err instanceof TributaryError)) throw err;
      return { image, refused: { index, code: err.code, message: err.message } };
    }
  }
  return { image: next, refused: null };
}
