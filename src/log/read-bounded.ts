// Reads a whole byte stream whose size comes from outside (an HTTP request body, the output of
// gunzip), refusing it as soon as it passes a bound instead of growing memory first.

export interface ReadBoundedOptions {
  bytesMax: number;
  /** The error to throw once the stream passes bytesMax (it is cancelled first). */
  tooLarge: () => Error;
}

export async function readStreamBounded(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  options: ReadBoundedOptions,
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  // Bounded: every chunk adds bytes and total may not pass bytesMax.
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > options.bytesMax) {
      await reader.cancel();
      throw options.tooLarge();
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let pos = 0;
  for (const chunk of chunks) {
    out.set(chunk, pos);
    pos += chunk.length;
  }
  return out;
}
