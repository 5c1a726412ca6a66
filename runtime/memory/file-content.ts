// The bytes of one in-memory file, as the page cache sees them, plus what a power cut would leave.
//
// Instead of keeping a second full copy for the durable content, every write or truncate since the
// last sync keeps an undo record (the length before it and the bytes it overwrote). The durable
// content is the current content with all records undone, so sync() is O(1), appends cost no extra
// memory, and a crash model (runtime/sim/fs-crash.ts) can rebuild "durable + a prefix of the
// unsynced operations" by undoing the suffix. Like the kernel's writeback, the oldest records are
// dropped (become durable) once the dirty bytes or the record count pass their bound, which keeps a
// never-synced file bounded.

interface UndoRecord {
  /** Position of the change and, for writes, the count of new bytes (0 for truncates). */
  position: number;
  writtenBytes: number;
  /** File length before the operation. */
  lengthBefore: number;
  /** Bytes that were at [position, min(lengthBefore, position + overwritten.length)) before. */
  overwritten: Uint8Array;
}

export interface DirtyBounds {
  dirtyBytesMax: number;
  dirtyOpsMax: number;
}

export interface CrashCut {
  /** Count of unsynced operations that survive whole. */
  opsKept: number;
  /** Bytes of the next write that also land (a torn write), 0 for none. */
  tornBytes: number;
}

const INITIAL_CAPACITY_BYTES = 64;

export class FileContent {
  #bytes = new Uint8Array(INITIAL_CAPACITY_BYTES);
  #length = 0;
  #undo: UndoRecord[] = [];
  #dirtyBytes = 0;
  readonly #bounds: DirtyBounds;

  constructor(bounds: DirtyBounds) {
    this.#bounds = bounds;
  }

  get length(): number {
    return this.#length;
  }

  get unsyncedOps(): number {
    return this.#undo.length;
  }

  read(buf: Uint8Array, position: number): number {
    if (position >= this.#length) return 0;
    const count = Math.min(buf.length, this.#length - position);
    buf.set(this.#bytes.subarray(position, position + count));
    return count;
  }

  copy(): Uint8Array {
    return this.#bytes.slice(0, this.#length);
  }

  write(data: Uint8Array, position: number): void {
    const end = position + data.length;
    const overwritten = this.#bytes.slice(position, Math.min(this.#length, end));
    this.#record({ position, writtenBytes: data.length, lengthBefore: this.#length, overwritten });
    this.#place(data, position);
  }

  truncate(size: number): void {
    const overwritten = size < this.#length
      ? this.#bytes.slice(size, this.#length)
      : new Uint8Array(0);
    this.#record({ position: size, writtenBytes: 0, lengthBefore: this.#length, overwritten });
    this.#setLength(size);
  }

  /** Everything so far is durable. */
  sync(): void {
    this.#undo = [];
    this.#dirtyBytes = 0;
  }

  /** The content a crash would leave with no unsynced operation surviving. */
  durableCopy(): Uint8Array {
    return this.#survivor({ opsKept: 0, tornBytes: 0 });
  }

  /** New bytes of the unsynced operation at index (0 is the oldest; truncates wrote none). */
  unsyncedWrittenBytes(index: number): number {
    return this.#undo[index].writtenBytes;
  }

  /** Replaces the content with what survives the cut; the result counts as durable. */
  applyCrash(cut: CrashCut): void {
    const survivor = this.#survivor(cut);
    this.#bytes = new Uint8Array(Math.max(INITIAL_CAPACITY_BYTES, survivor.length));
    this.#bytes.set(survivor);
    this.#length = survivor.length;
    this.sync();
  }

  #survivor(cut: CrashCut): Uint8Array {
    const scratch = new FileContent(this.#bounds);
    scratch.#bytes = this.#bytes.slice(0, Math.max(this.#length, 1));
    scratch.#length = this.#length;
    let torn: Uint8Array | undefined;
    for (let i = this.#undo.length - 1; i >= cut.opsKept; i--) {
      const record = this.#undo[i];
      if (i === cut.opsKept && cut.tornBytes > 0) {
        torn = scratch.#bytes.slice(record.position, record.position + cut.tornBytes);
      }
      scratch.#undoOne(record);
    }
    if (torn !== undefined) scratch.#place(torn, this.#undo[cut.opsKept].position);
    return scratch.copy();
  }

  #undoOne(record: UndoRecord): void {
    this.#setLength(record.lengthBefore);
    if (record.overwritten.length > 0) this.#bytes.set(record.overwritten, record.position);
  }

  #record(record: UndoRecord): void {
    this.#undo.push(record);
    this.#dirtyBytes += record.writtenBytes + record.overwritten.length;
    // Writeback: the oldest dirty operations reach the disk on their own.
    while (
      this.#undo.length > 0 &&
      (this.#dirtyBytes > this.#bounds.dirtyBytesMax ||
        this.#undo.length > this.#bounds.dirtyOpsMax)
    ) {
      const oldest = this.#undo.shift() as UndoRecord;
      this.#dirtyBytes -= oldest.writtenBytes + oldest.overwritten.length;
    }
  }

  #place(data: Uint8Array, position: number): void {
    const end = position + data.length;
    if (end > this.#length) this.#setLength(end);
    this.#bytes.set(data, position);
  }

  #setLength(size: number): void {
    if (size > this.#bytes.length) {
      const grown = new Uint8Array(Math.max(size, this.#bytes.length * 2));
      grown.set(this.#bytes.subarray(0, this.#length));
      this.#bytes = grown;
    } else if (size > this.#length) {
      // Bytes past the old end may hold stale data from an earlier truncate: a hole reads as zeros.
      this.#bytes.fill(0, this.#length, size);
    }
    this.#length = size;
  }
}
