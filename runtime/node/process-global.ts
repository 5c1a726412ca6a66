// A HostProcess over the global `process` object: Node's, and Bun's implementation of it. The
// two hosts differ only in how they hand out stdin as a web stream and in their version.
import { readFile } from "node:fs/promises";
import type { HostProcess, SignalName } from "../types.ts";
import { errnoOf } from "../host/errno.ts";
import { createProcessStatus } from "../host/proc-status.ts";
import { toIoError } from "./errors.ts";

export interface NodeStyleHost {
  /** Called once, on first use of stdin. */
  stdin(): ReadableStream<Uint8Array>;
  version: string;
}

function writeTo(stream: NodeJS.WriteStream, data: Uint8Array | string): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.write(data, (err) => (err ? reject(err) : resolve()));
  });
}

export function processOverNodeGlobal(host: NodeStyleHost): HostProcess {
  let stdin: ReadableStream<Uint8Array> | undefined;
  return {
    args: process.argv.slice(2),
    env: (name) => process.env[name],
    // Created on first use: touching process.stdin opens it and can keep the process alive.
    get stdin() {
      return (stdin ??= host.stdin());
    },
    writeStdout: (data) => writeTo(process.stdout, data),
    writeStderr: (data) => writeTo(process.stderr, data),
    stdoutIsTerminal: process.stdout.isTTY === true,
    onSignal(signal: SignalName, handler: () => void): () => void {
      process.on(signal, handler);
      return () => void process.off(signal, handler);
    },
    exit: (code) => process.exit(code),
    version: host.version,
    pid: process.pid,
    processStatus: createProcessStatus({ readProcText, signalZero }),
  };
}

async function readProcText(path: string): Promise<string | null> {
  try {
    return await readFile(path, "utf8");
  } catch (err) {
    // ESRCH: the process ended while its /proc entry was being read.
    if (errnoOf(err) === "ENOENT" || errnoOf(err) === "ESRCH") return null;
    throw toIoError(err, `readFile ${path}`);
  }
}

function signalZero(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    if (errnoOf(err) === "EPERM") return true;
    if (errnoOf(err) === "ESRCH") return false;
    throw toIoError(err, `kill ${pid} 0`);
  }
}
