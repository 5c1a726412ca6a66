// One broker per data directory: dataDir/.lock, Kafka's lock file name. Two brokers on one
// directory would both append to the metadata log and the same partitions and diverge at once.
//
// Node 20 and Bun have no file locks, and the lock must free itself when its holder is killed
// with SIGKILL, so .lock is a pid file (lock-holder.ts) judged by the holder's liveness: a dead
// pid, or a pid reused by a process that started at another time, is a stale lock that never
// blocks a restart. Every runtime uses this same protocol (not Deno's FsFile.lock), so brokers
// under different runtimes exclude each other too.
//
// Claiming a lock file (the same steps for .lock and for the break files below):
//   1. Create it exclusively with our holder text: we hold it.
//   2. It exists: read it. An empty file is a claim whose text is still being written, so wait
//      for the text (bounded; still empty afterwards means torn by a crash). A live holder:
//      refused, naming the holder.
//   3. Stale (or unreadable) bytes may only be removed by the one process that claims
//      `<file>.break-<crc of those bytes>` (steps 1-3 again). It re-reads the file, removes it if
//      it still holds exactly those bytes, drops its break file and starts over at 1.
// A claim's bytes are unique (a nonce), and only the holder of their break file removes them, so
// two brokers starting at the same instant cannot both win; a breaker killed halfway leaves a
// break file that is stale in turn and is broken the same way (bounded depth).
import { TributaryError } from "../model/errors.ts";
import { crc32c } from "../log/crc32c.ts";
import { joinPath } from "../log/segment-files.ts";
import type { Logger } from "../logging/logger.ts";
import { isIoError, type Runtime } from "../../runtime/types.ts";
import { formatHolder, type LockHolder, parseHolder, stalenessOf } from "./lock-holder.ts";

export const DATA_DIR_LOCK_FILE = ".lock";
const BREAK_INFIX = ".break-";
/** Rounds of create / read / break per lock file before giving up (each loss is another claim). */
const CLAIM_ATTEMPTS_MAX = 8;
/** Break files of break files: each level needs a breaker killed in its few milliseconds. */
const BREAK_DEPTH_MAX = 3;
/** How long an empty lock file may take to get its text before it counts as torn. */
const EMPTY_WAIT_MS_MAX = 1000;
const EMPTY_POLL_MS = 10;

export type LockRuntime = Pick<Runtime, "name" | "fs" | "process" | "random" | "timers">;

type Claim = { won: true } | { won: false; holder: LockHolder };

interface ClaimContext {
  rt: LockRuntime;
  mine: Uint8Array;
  lockPath: string;
  logger: Logger;
}

export class DataDirLock {
  readonly path: string;
  readonly holder: LockHolder;
  readonly #rt: LockRuntime;
  readonly #mine: Uint8Array;
  #released = false;

  private constructor(rt: LockRuntime, path: string, holder: LockHolder, mine: Uint8Array) {
    this.#rt = rt;
    this.path = path;
    this.holder = holder;
    this.#mine = mine;
  }

  /** Locks dataDir (which must exist) or throws DATA_DIR_LOCKED naming the live holder. */
  static async acquire(rt: LockRuntime, dataDir: string, logger: Logger): Promise<DataDirLock> {
    const own = await rt.process.processStatus(rt.process.pid);
    const holder: LockHolder = {
      pid: rt.process.pid,
      startTime: own.startTime,
      runtime: rt.name,
      nonce: Array.from(rt.random.bytes(8), (b) => b.toString(16).padStart(2, "0")).join(""),
    };
    const mine = formatHolder(holder);
    const lockPath = joinPath(dataDir, DATA_DIR_LOCK_FILE);
    const claim = await claimFile({ rt, mine, lockPath, logger }, lockPath, 0);
    if (!claim.won) {
      const { pid, runtime } = claim.holder;
      throw new TributaryError(
        "DATA_DIR_LOCKED",
        `data directory ${dataDir} is locked by pid ${pid} (${runtime}): ` +
          `another broker is using it (${lockPath})`,
      );
    }
    await removeBreakFiles(rt, dataDir);
    logger.info("datadir.locked", `locked data directory ${dataDir}`, { dir: dataDir });
    return new DataDirLock(rt, lockPath, holder, mine);
  }

  /** Removes the lock file if it is still ours; idempotent. */
  async release(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    const now = await readIfExists(this.#rt, this.path);
    if (now !== null && sameBytes(now, this.#mine)) await this.#rt.fs.remove(this.path);
  }
}

async function claimFile(ctx: ClaimContext, path: string, depth: number): Promise<Claim> {
  const { fs } = ctx.rt;
  for (let attempt = 0; attempt < CLAIM_ATTEMPTS_MAX; attempt++) {
    if (await createExclusive(ctx.rt, path, ctx.mine)) return { won: true };
    const seen = await readSettled(ctx.rt, path);
    if (seen === null) continue; // released meanwhile: try again
    const holder = parseHolder(seen);
    const staleness = holder === null ? "unreadable" : await stalenessOf(ctx.rt.process, holder);
    if (staleness === "live") return { won: false, holder: holder as LockHolder };
    if (depth >= BREAK_DEPTH_MAX) {
      throw new TributaryError(
        "KAFKA_STORAGE_ERROR",
        `${path}: too many stale lock files; remove ${ctx.lockPath}* once no broker uses it`,
      );
    }
    const breakPath = `${path}${BREAK_INFIX}${crc32c(seen).toString(16).padStart(8, "0")}`;
    const broke = await claimFile(ctx, breakPath, depth + 1);
    // A live process is taking over this stale claim right now: it will hold the lock.
    if (!broke.won) return broke;
    try {
      const now = await readIfExists(ctx.rt, path);
      if (now !== null && sameBytes(now, seen)) {
        await fs.remove(path);
        if (path === ctx.lockPath) logStaleTaken(ctx, holder, staleness);
      }
    } finally {
      await fs.remove(breakPath);
    }
  }
  throw new TributaryError(
    "KAFKA_STORAGE_ERROR",
    `${path}: no claim settled in ${CLAIM_ATTEMPTS_MAX} attempts (brokers starting in a loop?)`,
  );
}

function logStaleTaken(ctx: ClaimContext, holder: LockHolder | null, staleness: string): void {
  const who = holder === null ? "an unreadable lock file" : `pid ${holder.pid} (${holder.runtime})`;
  ctx.logger.warn("datadir.stale_lock_taken", `took over the stale lock of ${who}`, {
    path: ctx.lockPath,
    pid: holder?.pid,
    runtime: holder?.runtime,
    reason: staleness,
  });
}

/** Creates path with bytes unless it exists; false when it does. */
async function createExclusive(rt: LockRuntime, path: string, bytes: Uint8Array): Promise<boolean> {
  let file;
  try {
    file = await rt.fs.open(path, { exclusive: true, write: true });
  } catch (err) {
    if (isIoError(err, "EEXIST")) return false;
    throw err;
  }
  try {
    await file.writeAt(bytes, 0);
  } catch (err) {
    await file.close();
    await rt.fs.remove(path); // an empty claim would hold others off for EMPTY_WAIT_MS_MAX
    throw err;
  }
  await file.close();
  return true;
}

/** The file's bytes once its claim text is written (see step 2); null when it is gone. */
async function readSettled(rt: LockRuntime, path: string): Promise<Uint8Array | null> {
  for (let waitedMs = 0;; waitedMs += EMPTY_POLL_MS) {
    const bytes = await readIfExists(rt, path);
    if (bytes === null || bytes.length > 0 || waitedMs >= EMPTY_WAIT_MS_MAX) return bytes;
    await rt.timers.sleep(EMPTY_POLL_MS);
  }
}

async function readIfExists(rt: LockRuntime, path: string): Promise<Uint8Array | null> {
  try {
    return await rt.fs.readFile(path);
  } catch (err) {
    if (isIoError(err, "ENOENT")) return null;
    throw err;
  }
}

/**
 * Break files left by breakers that were killed, or that lost to us. We hold .lock, so every
 * break file aims at bytes that are gone for good and none of them can remove anything.
 */
async function removeBreakFiles(rt: LockRuntime, dataDir: string): Promise<void> {
  for (const entry of await rt.fs.list(dataDir)) {
    if (entry.isFile && entry.name.startsWith(DATA_DIR_LOCK_FILE + BREAK_INFIX)) {
      await rt.fs.remove(joinPath(dataDir, entry.name));
    }
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
