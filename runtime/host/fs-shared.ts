// The parts of a FileSystem adapter that do not depend on the host: which access to ask the host
// for, the errors of a closed or read-only handle, what exists() and remove() make of a missing
// path, listing order. Each adapter passes its own toIoError, so host errors map as its own do.
import {
  type DirEntry,
  IoErrorCode,
  isIoError,
  type OpenOptions,
  RuntimeIoError,
} from "../types.ts";
import type { ToIoError } from "./errno.ts";

export interface HostOpenModes {
  create: boolean;
  exclusive: boolean;
  truncate: boolean;
  /** Whether to open for writing on the host, which may differ from what the caller asked. */
  hostWrite: boolean;
}

/**
 * Creating or truncating needs write access on some hosts; the handle still refuses writes
 * unless `write` was asked for, so every adapter behaves the same.
 */
export function hostOpenModes(options: OpenOptions): HostOpenModes {
  const exclusive = options.exclusive === true;
  const create = options.create === true || exclusive;
  const truncate = options.truncate === true;
  return { create, exclusive, truncate, hostWrite: options.write === true || create || truncate };
}

export function closedHandleError(op: string, path: string): RuntimeIoError {
  return new RuntimeIoError(IoErrorCode.Closed, `${op} ${path}: handle is closed`);
}

export function readOnlyHandleError(op: string, path: string): RuntimeIoError {
  return new RuntimeIoError(IoErrorCode.PermissionDenied, `${op} ${path}: opened read-only`);
}

/** Runs op, mapping whatever it throws with toIoError. */
export async function wrapIo<T>(
  toIoError: ToIoError,
  what: string,
  op: () => Promise<T>,
): Promise<T> {
  try {
    return await op();
  } catch (err) {
    throw toIoError(err, what);
  }
}

/** exists(): true once stat succeeds; a missing path, or one below a file, is false. */
export async function existsByStat(
  toIoError: ToIoError,
  path: string,
  stat: () => Promise<unknown>,
): Promise<boolean> {
  try {
    await stat();
    return true;
  } catch (err) {
    const ioError = toIoError(err, `exists ${path}`);
    if (isIoError(ioError, IoErrorCode.NotFound) || isIoError(ioError, IoErrorCode.NotADirectory)) {
      return false;
    }
    throw ioError;
  }
}

/** remove(): a path that is already gone is not an error. */
export async function removeMissingOk(
  toIoError: ToIoError,
  path: string,
  remove: () => Promise<void>,
): Promise<void> {
  try {
    await remove();
  } catch (err) {
    const ioError = toIoError(err, `remove ${path}`);
    if (!isIoError(ioError, IoErrorCode.NotFound)) throw ioError;
  }
}

/** An open directory, as far as syncDir needs it. */
export interface DirToSync {
  sync(): Promise<void>;
  close(): void | Promise<void>;
}

/** syncDir(): opens the directory, fsyncs it, closes it; every failure names syncDir. */
export async function syncDirWith(
  toIoError: ToIoError,
  path: string,
  openDir: () => Promise<DirToSync>,
): Promise<void> {
  const dir = await wrapIo(toIoError, `syncDir ${path}`, openDir);
  try {
    await dir.sync();
  } catch (err) {
    throw toIoError(err, `syncDir ${path}`);
  } finally {
    await dir.close();
  }
}

/** list() answers in name order (code unit order), whatever order the host reads them in. */
export function sortByName(entries: DirEntry[]): DirEntry[] {
  return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
