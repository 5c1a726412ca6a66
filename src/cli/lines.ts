// Lines of a byte stream (stdin), split on \n with an optional \r stripped, decoded as UTF-8.
// A final line without a newline still counts; a line longer than lineBytesMax is an error
// rather than unbounded memory.

import { TributaryError } from "../model/errors.ts";

export async function* readLines(
  stream: ReadableStream<Uint8Array>,
  lineBytesMax: number,
): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  const reader = stream.getReader();
  let partial = "";
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      partial += decoder.decode(value, { stream: true });
      let newline = partial.indexOf("\n");
      let start = 0;
      while (newline !== -1) {
        yield stripCr(partial.slice(start, newline));
        start = newline + 1;
        newline = partial.indexOf("\n", start);
      }
      partial = partial.slice(start);
      // Counted in UTF-16 units: close enough to bytes for a memory bound.
      if (partial.length > lineBytesMax) {
        throw new TributaryError(
          "MESSAGE_TOO_LARGE",
          `an input line is longer than ${lineBytesMax} bytes`,
        );
      }
    }
    partial += decoder.decode();
    if (partial.length > 0) yield stripCr(partial);
  } finally {
    reader.releaseLock();
  }
}

function stripCr(line: string): string {
  return line.endsWith("\r") ? line.slice(0, -1) : line;
}
