// Arguments, environment, standard streams and signals from the Deno namespace.
import type { HostProcess, SignalName } from "../types.ts";

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
  };
}
