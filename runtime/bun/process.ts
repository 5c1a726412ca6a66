// Arguments, environment, standard streams and signals on Bun (its `process` object, plus
// Bun.stdin for a web stream).
import type { HostProcess, SignalName } from "../types.ts";

function writeTo(stream: NodeJS.WriteStream, data: Uint8Array | string): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.write(data, (err) => (err ? reject(err) : resolve()));
  });
}

export function createBunProcess(): HostProcess {
  let stdin: ReadableStream<Uint8Array> | undefined;
  return {
    args: process.argv.slice(2),
    env: (name) => process.env[name],
    get stdin() {
      return (stdin ??= Bun.stdin.stream());
    },
    writeStdout: (data) => writeTo(process.stdout, data),
    writeStderr: (data) => writeTo(process.stderr, data),
    stdoutIsTerminal: process.stdout.isTTY === true,
    onSignal(signal: SignalName, handler: () => void): () => void {
      process.on(signal, handler);
      return () => void process.off(signal, handler);
    },
    exit: (code) => process.exit(code),
    version: Bun.version,
    pid: process.pid,
  };
}
