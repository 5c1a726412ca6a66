// Inodes of the in-memory file system: files hold a FileContent, directories hold two entry tables.
//
// A directory's `entries` is what lookups see now; `durable` is what the disk holds as of the last
// syncDir(). `pending` lists the entry changes since then, in order, each tagged with the sequence
// number of the file-system operation that made it: a rename between two directories leaves one
// change in each under the same number, so a crash applies it to both or to neither.

import { type DirtyBounds, FileContent } from "./file-content.ts";

export interface FileNode {
  readonly kind: "file";
  readonly content: FileContent;
}

export interface DirChange {
  readonly seq: number;
  readonly name: string;
  /** The entry after the change; null for an unlink. */
  readonly node: FsNode | null;
}

export type FsNode = FileNode | DirNode;

export class DirNode {
  readonly kind = "dir";
  entries = new Map<string, FsNode>();
  durable = new Map<string, FsNode>();
  pending: DirChange[] = [];
  readonly #dirtyOpsMax: number;

  constructor(dirtyOpsMax: number) {
    this.#dirtyOpsMax = dirtyOpsMax;
  }

  link(seq: number, name: string, node: FsNode | null): void {
    if (node === null) this.entries.delete(name);
    else this.entries.set(name, node);
    this.pending.push({ seq, name, node });
    // Like writeback for file data: the journal commits old entry changes on its own.
    while (this.pending.length > this.#dirtyOpsMax) {
      applyChange(this.durable, this.pending.shift() as DirChange);
    }
  }

  /** Adds an entry that is durable at once, leaving other pending changes as they are. */
  linkDurable(name: string, node: FsNode): void {
    this.entries.set(name, node);
    this.durable.set(name, node);
  }

  sync(): void {
    this.durable = new Map(this.entries);
    this.pending = [];
  }

  /** Installs the table a crash left behind as both current and durable. */
  restore(table: Map<string, FsNode>): void {
    this.entries = table;
    this.sync();
  }
}

export function applyChange(table: Map<string, FsNode>, change: DirChange): void {
  if (change.node === null) table.delete(change.name);
  else table.set(change.name, change.node);
}

export function newFileNode(bounds: DirtyBounds): FileNode {
  return { kind: "file", content: new FileContent(bounds) };
}
