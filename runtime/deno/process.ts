// Arguments, environment, standard streams and signals from the Deno namespace.
// Off Linux, liveness needs kill(pid, 0), which only Deno's node:process offers.
import nodeProcess from "node:process";
import type { HostProcess, SignalName } from "../types.ts";
import { errnoOf } from "../host/errno.ts";
import { createProcessStatus } from "../host/proc-status.ts";
import { toIoError } from "./errors.ts";

async function writeAll(target: typeof Deno.stdout, data: Uint8Array | string): Promise<void> {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  for (let done = 0; done < bytes.length;) done += await target.write(bytes.subarray(done));
}

export function createDenoProcess(): HostProcess {
  return {
    args: [...Deno.args],
    env: (name) => Deno.env.get(name),
    get stdin() {
      return Deno.stdin.readable;
    },
    writeStdout: (data) => writeAll(Deno.stdout, data),
    writeStderr: (data) => writeAll(Deno.stderr, data),
    stdoutIsTerminal: Deno.stdout.isTerminal(),
    onSignal(signal: SignalName, handler: () => void): () => void {
      Deno.addSignalListener(signal, handler);
      return () => Deno.removeSignalListener(signal, handler);
    },
    exit: (code) => Deno.exit(code),
    version: Deno.version.deno,
    pid: Deno.pid,
    processStatus: createProcessStatus({ readProcText, signalZero }),
  };
}

async function readProcText(path: string): Promise<string | null> {
  try {
    return await Deno.readTextFile(path);
  } catch (err) {
    // ESRCH: the process ended while its /proc entry was being read.
    if (err instanceof Deno.errors.NotFound || errnoOf(err) === "ESRCH") return null;
    throw toIoError(err, `readFile ${path}`);
  }
}

function signalZero(pid: number): boolean {
  try {
    nodeProcess.kill(pid, 0);
    return true;
  } catch (err) {
    if (errnoOf(err) === "EPERM") return true;
    if (errnoOf(err) === "ESRCH") return false;
    throw toIoError(err, `kill ${pid} 0`);
  }
}
