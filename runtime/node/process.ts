// Arguments, environment, standard streams and signals from Node's `process`.
import { Readable } from "node:stream";
import type { HostProcess } from "../types.ts";
import { processOverNodeGlobal } from "./process-global.ts";

function stdinStream(): ReadableStream<Uint8Array> {
  // Node hands out Buffers; views of the same bytes keep Buffer out of callers' hands.
  const toPlain = new TransformStream<Uint8Array, Uint8Array>({
    transform: (chunk, controller) =>
      controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)),
  });
  return (Readable.toWeb(process.stdin) as ReadableStream<Uint8Array>).pipeThrough(toPlain);
}

export function createNodeProcess(): HostProcess {
  return processOverNodeGlobal({ stdin: stdinStream, version: process.version });
}
