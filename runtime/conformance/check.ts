// Assertions for the conformance cases. Plain functions, no test framework, so the same cases
// run under vitest, deno test, bun test and the simulation's scheduler.
import { type IoErrorCode, isIoError } from "../types.ts";

export class ConformanceFailure extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ConformanceFailure";
  }
}

export function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new ConformanceFailure(message);
}

export function checkEqual<T>(actual: T, expected: T, what: string): void {
  if (!Object.is(actual, expected)) {
    throw new ConformanceFailure(`${what}: expected ${String(expected)}, got ${String(actual)}`);
  }
}

/** Byte-for-byte equality; reports the first difference instead of dumping both arrays. */
export function checkBytes(actual: Uint8Array, expected: Uint8Array, what: string): void {
  const n = Math.min(actual.length, expected.length);
  for (let i = 0; i < n; i++) {
    if (actual[i] !== expected[i]) {
      throw new ConformanceFailure(`${what}: byte ${i} is ${actual[i]}, expected ${expected[i]}`);
    }
  }
  checkEqual(actual.length, expected.length, `${what}: length`);
}

/** Awaits op and checks it fails with a RuntimeIoError carrying one of the codes. */
export async function checkIoError(
  op: () => Promise<unknown>,
  codes: IoErrorCode | readonly IoErrorCode[],
  what: string,
): Promise<void> {
  const wanted: readonly IoErrorCode[] = typeof codes === "string" ? [codes] : codes;
  let outcome: unknown;
  try {
    outcome = await op();
  } catch (err) {
    if (wanted.some((code) => isIoError(err, code))) return;
    throw new ConformanceFailure(`${what}: expected ${wanted.join(" or ")}, got ${describe(err)}`, {
      cause: err,
    });
  }
  throw new ConformanceFailure(
    `${what}: expected ${wanted.join(" or ")}, but it succeeded (${String(outcome)})`,
  );
}

function describe(err: unknown): string {
  if (isIoError(err)) return `RuntimeIoError ${err.code} (${err.message})`;
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

/** Concatenates chunks (test-side helper for received data). */
export function concat(chunks: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const c of chunks) total += c.length;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.length;
  }
  return out;
}

/** Bytes 0..n-1 of a repeating pattern that differs per seed, to spot misplaced ranges. */
export function pattern(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + seed * 17 + 7) & 0xff;
  return out;
}

export const text = {
  encode: (s: string): Uint8Array => new TextEncoder().encode(s),
  decode: (b: Uint8Array): string => new TextDecoder().decode(b),
};
