// Removing the files of segments the log no longer holds. With file.delete.delay.ms set, the
// files are renamed *.deleted first and removed after the delay (Kafka's behaviour, for readers
// of other processes); open() removes any *.deleted file a stop left behind.

import type { FileSystem, TimerHandle, Timers } from "../../runtime/types.ts";
import { deleteSegmentFiles } from "./log-loader.ts";
import type { LogSegment } from "./segment.ts";
import { DELETED_SUFFIX, segmentPath } from "./segment-files.ts";

export class SegmentDeleter {
  readonly #fs: FileSystem;
  readonly #timers: Timers;
  readonly #dir: string;
  /** Runs background work (the partition log tracks it and records its failure). */
  readonly #track: (work: Promise<void>) => void;
  readonly #pending = new Set<TimerHandle>();

  constructor(fs: FileSystem, timers: Timers, dir: string, track: (work: Promise<void>) => void) {
    this.#fs = fs;
    this.#timers = timers;
    this.#dir = dir;
    this.#track = track;
  }

  /** Closes the segment and removes its files, now or (renamed) after delayMs. */
  async delete(segment: LogSegment, delayMs: number): Promise<void> {
    if (delayMs === 0) return await deleteSegmentFiles(this.#fs, this.#dir, segment);
    await segment.close();
    const paths: string[] = [];
    for (const kind of ["log", "index", "timeindex"] as const) {
      const path = segmentPath(this.#dir, segment.baseOffset, kind);
      await this.#fs.rename(path, path + DELETED_SUFFIX);
      paths.push(path + DELETED_SUFFIX);
    }
    const timer = this.#timers.setTimeout(() => {
      this.#pending.delete(timer);
      this.#track(Promise.all(paths.map((path) => this.#fs.remove(path))).then(() => undefined));
    }, delayMs);
    this.#pending.add(timer);
  }

  /** Drops pending removals: the files stay as *.deleted until the next open(). */
  cancelPending(): void {
    for (const timer of this.#pending) timer.cancel();
    this.#pending.clear();
  }
}
