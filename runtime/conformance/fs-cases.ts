// File system behaviour every Runtime shares.
import { IoErrorCode, type Runtime } from "../types.ts";
import type { ConformanceCase } from "./case.ts";
import { check, checkBytes, checkEqual, checkIoError, pattern, text } from "./check.ts";

async function writeFile(rt: Runtime, path: string, data: Uint8Array): Promise<void> {
  const f = await rt.fs.open(path, { create: true, truncate: true, write: true });
  await f.writeAt(data, 0);
  await f.close();
}

async function readRange(
  rt: Runtime,
  path: string,
  position: number,
  length: number,
): Promise<Uint8Array> {
  const f = await rt.fs.open(path);
  const buf = new Uint8Array(length);
  const n = await f.readAt(buf, position);
  await f.close();
  return buf.subarray(0, n);
}

const openModes: ConformanceCase = {
  name: "fs: open honours create, exclusive, truncate and write",
  async run(rt, dir) {
    const path = `${dir}/modes.bin`;
    await checkIoError(() => rt.fs.open(path), IoErrorCode.NotFound, "open missing without create");
    const created = await rt.fs.open(path, { create: true, write: true });
    checkEqual(await created.size(), 0, "size of a created file");
    await created.writeAt(text.encode("hello"), 0);
    await created.close();
    await checkIoError(
      () => rt.fs.open(path, { exclusive: true, write: true }),
      IoErrorCode.AlreadyExists,
      "exclusive on existing",
    );
    const fresh = await rt.fs.open(`${dir}/fresh.bin`, { exclusive: true, write: true });
    await fresh.close();
    check(await rt.fs.exists(`${dir}/fresh.bin`), "exclusive open creates the file");
    const kept = await rt.fs.open(path, { create: true, write: true });
    checkEqual(await kept.size(), 5, "create on an existing file keeps its content");
    await kept.close();
    const truncated = await rt.fs.open(path, { truncate: true, write: true });
    checkEqual(await truncated.size(), 0, "size after open with truncate");
    await truncated.close();
  },
};

const readOnly: ConformanceCase = {
  name: "fs: a read-only handle reads and refuses writes with EACCES",
  async run(rt, dir) {
    const path = `${dir}/ro.bin`;
    await writeFile(rt, path, text.encode("abc"));
    const f = await rt.fs.open(path);
    await checkIoError(
      () => f.writeAt(text.encode("x"), 0),
      IoErrorCode.PermissionDenied,
      "writeAt",
    );
    await checkIoError(() => f.append(text.encode("x")), IoErrorCode.PermissionDenied, "append");
    await checkIoError(() => f.truncate(0), IoErrorCode.PermissionDenied, "truncate");
    const buf = new Uint8Array(3);
    checkEqual(await f.readAt(buf, 0), 3, "readAt on a read-only handle");
    checkEqual(text.decode(buf), "abc", "content");
    await f.close();
  },
};

const shortReads: ConformanceCase = {
  name: "fs: readAt returns a short count only at end of file",
  async run(rt, dir) {
    const path = `${dir}/short.bin`;
    const data = pattern(10, 1);
    await writeFile(rt, path, data);
    const f = await rt.fs.open(path);
    const big = new Uint8Array(16);
    checkEqual(await f.readAt(big, 0), 10, "read past end from 0");
    checkBytes(big.subarray(0, 10), data, "content from 0");
    const four = new Uint8Array(4);
    checkEqual(await f.readAt(four, 3), 4, "full read inside the file");
    checkBytes(four, data.subarray(3, 7), "content from 3");
    checkEqual(await f.readAt(four, 8), 2, "read straddling the end");
    checkBytes(four.subarray(0, 2), data.subarray(8, 10), "content from 8");
    checkEqual(await f.readAt(four, 10), 0, "read at the end");
    checkEqual(await f.readAt(four, 1000), 0, "read beyond the end");
    checkEqual(await f.readAt(new Uint8Array(0), 0), 0, "zero-length read");
    await f.close();
  },
};

const positionalWrites: ConformanceCase = {
  name: "fs: writeAt writes at positions and zero-fills gaps",
  async run(rt, dir) {
    const path = `${dir}/positions.bin`;
    const f = await rt.fs.open(path, { create: true, write: true });
    await f.writeAt(text.encode("abc"), 0);
    await f.writeAt(text.encode("xyz"), 6);
    await f.writeAt(text.encode("B"), 1);
    checkEqual(await f.size(), 9, "size after writes");
    const all = new Uint8Array(9);
    checkEqual(await f.readAt(all, 0), 9, "read back");
    checkBytes(all, new Uint8Array([97, 66, 99, 0, 0, 0, 120, 121, 122]), "content");
    await f.close();
    // A large write must land whole (no short writes).
    const large = pattern(3 * 1024 * 1024 + 7, 2);
    const g = await rt.fs.open(`${dir}/large.bin`, { create: true, write: true });
    await g.writeAt(large, 5);
    checkEqual(await g.size(), large.length + 5, "size after a large write");
    await g.close();
    checkBytes(await readRange(rt, `${dir}/large.bin`, 5, large.length), large, "large write");
  },
};

const appends: ConformanceCase = {
  name: "fs: append returns positions, also for concurrent appends on one handle",
  async run(rt, dir) {
    const path = `${dir}/append.bin`;
    const f = await rt.fs.open(path, { create: true, write: true });
    checkEqual(await f.append(text.encode("abc")), 0, "first append");
    checkEqual(await f.append(text.encode("de")), 3, "second append");
    await f.writeAt(text.encode("XY"), 10);
    checkEqual(await f.append(text.encode("z")), 12, "append after a writeAt past the end");
    const count = 64;
    const chunks = Array.from({ length: count }, (_, i) => pattern(1 + ((i * 37) % 5000), i));
    const positions = await Promise.all(chunks.map((c) => f.append(c)));
    const order = positions.map((p, i) => [p, i] as const).sort((a, b) => a[0] - b[0]);
    let expected = 13;
    for (const [position, i] of order) {
      checkEqual(position, expected, `concurrent append ${i} position`);
      expected += chunks[i].length;
    }
    checkEqual(await f.size(), expected, "size after concurrent appends");
    await f.close();
    for (let i = 0; i < count; i++) {
      checkBytes(
        await readRange(rt, path, positions[i], chunks[i].length),
        chunks[i],
        `append ${i} content`,
      );
    }
  },
};

const truncation: ConformanceCase = {
  name: "fs: truncate shrinks and extends; append continues at the new end",
  async run(rt, dir) {
    const path = `${dir}/truncate.bin`;
    const f = await rt.fs.open(path, { create: true, write: true });
    await f.append(pattern(100, 3));
    await f.truncate(40);
    checkEqual(await f.size(), 40, "size after shrinking");
    checkEqual(await f.append(text.encode("q")), 40, "append after shrinking");
    await f.truncate(64);
    checkEqual(await f.size(), 64, "size after extending");
    const tail = new Uint8Array(23);
    checkEqual(await f.readAt(tail, 41), 23, "read the extension");
    checkBytes(tail, new Uint8Array(23), "an extension reads as zeros");
    checkEqual(await f.append(text.encode("r")), 64, "append after extending");
    await f.sync();
    await f.close();
    const reopened = await rt.fs.open(path);
    checkEqual(await reopened.size(), 65, "size seen by a new handle");
    await reopened.close();
  },
};

const closedHandle: ConformanceCase = {
  name: "fs: a closed handle rejects every operation with ECLOSED",
  async run(rt, dir) {
    const f = await rt.fs.open(`${dir}/closed.bin`, { create: true, write: true });
    await f.append(text.encode("data"));
    await f.sync();
    await f.close();
    const code = IoErrorCode.Closed;
    await checkIoError(() => f.readAt(new Uint8Array(4), 0), code, "readAt after close");
    await checkIoError(() => f.writeAt(text.encode("x"), 0), code, "writeAt after close");
    await checkIoError(() => f.append(text.encode("x")), code, "append after close");
    await checkIoError(() => f.truncate(0), code, "truncate after close");
    await checkIoError(() => f.size(), code, "size after close");
    await checkIoError(() => f.sync(), code, "sync after close");
    await f.close();
  },
};

const wholeFiles: ConformanceCase = {
  name: "fs: readFile returns whole files",
  async run(rt, dir) {
    const data = pattern(300 * 1024 + 3, 4);
    await writeFile(rt, `${dir}/whole.bin`, data);
    checkBytes(await rt.fs.readFile(`${dir}/whole.bin`), data, "readFile content");
    await writeFile(rt, `${dir}/empty.bin`, new Uint8Array(0));
    checkEqual((await rt.fs.readFile(`${dir}/empty.bin`)).length, 0, "readFile of an empty file");
  },
};

const directories: ConformanceCase = {
  name: "fs: mkdirp is idempotent and list reports files and directories",
  async run(rt, dir) {
    await rt.fs.mkdirp(`${dir}/a/b/c`);
    await rt.fs.mkdirp(`${dir}/a/b/c`);
    await rt.fs.mkdirp(`${dir}/a`);
    await writeFile(rt, `${dir}/a/file.txt`, text.encode("x"));
    await rt.fs.mkdirp(`${dir}/a/d`);
    const entries = (await rt.fs.list(`${dir}/a`)).sort((x, y) => (x.name < y.name ? -1 : 1));
    const seen = entries.map((e) => `${e.name}:${e.isFile ? "f" : ""}${e.isDirectory ? "d" : ""}`);
    checkEqual(seen.join(","), "b:d,d:d,file.txt:f", "list entries");
    checkEqual((await rt.fs.list(`${dir}/a/b/c`)).length, 0, "list of an empty directory");
    await checkIoError(() => rt.fs.mkdirp(`${dir}/a/file.txt`), [
      IoErrorCode.AlreadyExists,
      IoErrorCode.NotADirectory,
    ], "mkdirp over a file");
    await checkIoError(
      () => rt.fs.list(`${dir}/a/file.txt`),
      IoErrorCode.NotADirectory,
      "list of a file",
    );
  },
};

const renames: ConformanceCase = {
  name: "fs: rename replaces an existing destination",
  async run(rt, dir) {
    await writeFile(rt, `${dir}/old`, text.encode("old content"));
    await writeFile(rt, `${dir}/new.tmp`, text.encode("new"));
    await rt.fs.rename(`${dir}/new.tmp`, `${dir}/old`);
    checkEqual(text.decode(await rt.fs.readFile(`${dir}/old`)), "new", "destination content");
    check(!(await rt.fs.exists(`${dir}/new.tmp`)), "source is gone after rename");
    await rt.fs.mkdirp(`${dir}/d1/inner`);
    await rt.fs.rename(`${dir}/d1`, `${dir}/d2`);
    check(await rt.fs.exists(`${dir}/d2/inner`), "a renamed directory keeps its content");
    await rt.fs.syncDir(dir);
  },
};

const removals: ConformanceCase = {
  name: "fs: remove deletes files and trees; missing paths are fine",
  async run(rt, dir) {
    await writeFile(rt, `${dir}/f`, text.encode("x"));
    await rt.fs.remove(`${dir}/f`);
    check(!(await rt.fs.exists(`${dir}/f`)), "file removed");
    await rt.fs.remove(`${dir}/f`);
    await rt.fs.remove(`${dir}/never/was`, { recursive: true });
    await rt.fs.mkdirp(`${dir}/tree/x/y`);
    await writeFile(rt, `${dir}/tree/x/y/leaf`, text.encode("leaf"));
    await writeFile(rt, `${dir}/tree/top`, text.encode("top"));
    await checkIoError(
      () => rt.fs.remove(`${dir}/tree`),
      IoErrorCode.NotEmpty,
      "remove a non-empty directory without recursive",
    );
    await rt.fs.remove(`${dir}/tree`, { recursive: true });
    check(!(await rt.fs.exists(`${dir}/tree`)), "tree removed");
    await rt.fs.mkdirp(`${dir}/empty`);
    await rt.fs.remove(`${dir}/empty`);
    check(!(await rt.fs.exists(`${dir}/empty`)), "empty directory removed without recursive");
  },
};

const existence: ConformanceCase = {
  name: "fs: exists tells files and directories from missing paths",
  async run(rt, dir) {
    await writeFile(rt, `${dir}/here`, text.encode("x"));
    check(await rt.fs.exists(`${dir}/here`), "file exists");
    check(await rt.fs.exists(dir), "directory exists");
    check(!(await rt.fs.exists(`${dir}/missing`)), "missing file");
    check(!(await rt.fs.exists(`${dir}/missing/deeper`)), "path under a missing directory");
    check(!(await rt.fs.exists(`${dir}/here/below`)), "path under a file");
  },
};

const directorySync: ConformanceCase = {
  name: "fs: syncDir and sync succeed on live paths",
  async run(rt, dir) {
    const f = await rt.fs.open(`${dir}/synced`, { create: true, write: true });
    await f.append(pattern(4096, 5));
    await f.sync();
    await f.close();
    await rt.fs.syncDir(dir);
    await checkIoError(
      () => rt.fs.syncDir(`${dir}/missing`),
      IoErrorCode.NotFound,
      "syncDir of a missing directory",
    );
  },
};

const tempDirs: ConformanceCase = {
  name: "fs: makeTempDir returns fresh, empty, distinct directories",
  async run(rt) {
    const a = await rt.fs.makeTempDir("tributary-conformance-");
    const b = await rt.fs.makeTempDir("tributary-conformance-");
    try {
      check(a !== b, `two temp dirs are distinct (${a})`);
      check(await rt.fs.exists(a), "temp dir exists");
      checkEqual((await rt.fs.list(a)).length, 0, "temp dir is empty");
      await writeFile(rt, `${a}/probe`, text.encode("x"));
    } finally {
      await rt.fs.remove(a, { recursive: true });
      await rt.fs.remove(b, { recursive: true });
    }
    check(!(await rt.fs.exists(a)), "temp dir removed");
  },
};

const missingPaths: ConformanceCase = {
  name: "fs: operations on missing paths fail with ENOENT",
  async run(rt, dir) {
    const missing = `${dir}/nope`;
    const code = IoErrorCode.NotFound;
    await checkIoError(() => rt.fs.open(missing, { write: true }), code, "open");
    await checkIoError(
      () => rt.fs.open(`${missing}/child`, { create: true, write: true }),
      code,
      "create in a missing directory",
    );
    await checkIoError(() => rt.fs.readFile(missing), code, "readFile");
    await checkIoError(() => rt.fs.list(missing), code, "list");
    await checkIoError(() => rt.fs.rename(missing, `${dir}/other`), code, "rename");
  },
};

const longNames: ConformanceCase = {
  name: "fs: names of 255 bytes work; longer ones fail with ENAMETOOLONG",
  async run(rt, dir) {
    const longest = `${dir}/${"n".repeat(255)}`;
    const tooLong = `${dir}/${"n".repeat(256)}`;
    const code = IoErrorCode.NameTooLong;
    await rt.fs.mkdirp(longest);
    await writeFile(rt, `${longest}/${"f".repeat(255)}`, text.encode("x"));
    check(await rt.fs.exists(`${longest}/${"f".repeat(255)}`), "a 255-byte file name");
    await checkIoError(() => rt.fs.mkdirp(tooLong), code, "mkdirp");
    await checkIoError(() => rt.fs.open(tooLong, { create: true, write: true }), code, "create");
    await checkIoError(() => rt.fs.rename(longest, tooLong), code, "rename to a long name");
    await checkIoError(() => rt.fs.exists(tooLong), code, "exists");
    await checkIoError(() => rt.fs.remove(tooLong, { recursive: true }), code, "remove");
    check(await rt.fs.exists(longest), "a failed rename leaves the source");
    await rt.fs.remove(longest, { recursive: true });
  },
};

export const fsCases: readonly ConformanceCase[] = [
  openModes,
  readOnly,
  shortReads,
  positionalWrites,
  appends,
  truncation,
  closedHandle,
  wholeFiles,
  directories,
  renames,
  removals,
  existence,
  directorySync,
  tempDirs,
  missingPaths,
  longNames,
];
