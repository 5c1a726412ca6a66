// Arguments, environment, standard streams and signals from Node's `process`.
import { Readable } from "node:stream";
import type { HostProcess, SignalName } from "../types.ts";

function writeTo(stream: NodeJS.WriteStream, data: Uint8Array | string): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.write(data, (err) => (err ? reject(err) : resolve()));
  });
}

function stdinStream(): ReadableStream<Uint8Array> {
  // Node hands out Buffers; views of the same bytes keep Buffer out of callers' hands.
  const toPlain = new TransformStream<Uint8Array, Uint8Array>({
    transform: (chunk, controller) =>
      controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)),
  });
  return (Readable.toWeb(process.stdin) as ReadableStream<Uint8Array>).pipeThrough(toPlain);
}

export function createNodeProcess(): HostProcess {
  let stdin: ReadableStream<Uint8Array> | undefined;
  return {
    args: process.argv.slice(2),
    env: (name) => process.env[name],
    // Created on first use: touching process.stdin opens it and can keep the process alive.
    get stdin() {
      return (stdin ??= stdinStream());
    },
    writeStdout: (data) => writeTo(process.stdout, data),
    writeStderr: (data) => writeTo(process.stderr, data),
    stdoutIsTerminal: process.stdout.isTTY === true,
    onSignal(signal: SignalName, handler: () => void): () => void {
      process.on(signal, handler);
      return () => void process.off(signal, handler);
    },
    exit: (code) => process.exit(code),
    version: process.version,
    pid: process.pid,
  };
}
