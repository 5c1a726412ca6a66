// A HostProcess over the global `process` object: Node's, and Bun's implementation of it. The
// two hosts differ only in how they hand out stdin as a web stream and in their version.
import type { HostProcess, SignalName } from "../types.ts";

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
  };
}
