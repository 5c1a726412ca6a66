// Adds lock entries for other platforms' optional binaries (deno, bun, cbor-extract, rolldown...)
// when package-lock.json lacks them. The registry mirror this project is developed behind serves
// only this machine's platform builds, so `npm install` here leaves them out of the lock, and
// `npm ci` then refuses the lock as out of sync. An entry carrying os/cpu lets npm skip the
// package on a platform it does not fit without fetching it. Idempotent; run after npm install.
import { readFileSync, writeFileSync } from "node:fs";

const OS = ["darwin", "linux", "win32", "freebsd", "openbsd", "netbsd", "android", "sunos", "aix",
  "openharmony"];
const CPU = { x64: "x64", amd64: "x64", arm64: "arm64", aarch64: "arm64", arm: "arm", ia32: "ia32",
  ppc64: "ppc64", s390x: "s390x", riscv64: "riscv64", loong64: "loong64", wasm32: "wasm32",
  mips64el: "mips64el", armv7: "arm" };

function platformOf(name) {
  const tokens = name.split("/").pop().split("-");
  const os = tokens.find((t) => OS.includes(t));
  const cpuToken = tokens.find((t) => Object.hasOwn(CPU, t));
  const libc = tokens.includes("musl") ? "musl" : tokens.some((t) => t === "gnu" || t === "glibc")
    ? "glibc" : undefined;
  return { os, cpu: cpuToken === undefined ? undefined : CPU[cpuToken], libc };
}

const path = new URL("../package-lock.json", import.meta.url);
const lock = JSON.parse(readFileSync(path, "utf8"));
const packages = lock.packages;
let added = 0;
for (const [location, entry] of Object.entries(packages)) {
  for (const [dep, spec] of Object.entries(entry.optionalDependencies ?? {})) {
    const nested = `${location}/node_modules/${dep}`;
    if (packages[nested] !== undefined || packages[`node_modules/${dep}`] !== undefined) continue;
    const { os, cpu, libc } = platformOf(dep);
    if (os === undefined && cpu === undefined) continue; // not a platform binary: leave to npm
    const stub = { version: String(spec).replace(/^[\^~=]/, ""), optional: true };
    if (entry.dev) stub.dev = true;
    if (cpu) stub.cpu = [cpu];
    if (libc) stub.libc = [libc];
    if (os) stub.os = [os];
    packages[`node_modules/${dep}`] = stub;
    added++;
  }
}
if (added > 0) writeFileSync(path, JSON.stringify(lock, null, 2) + "\n");
console.log(`complete-lock: ${added} platform entries added`);
