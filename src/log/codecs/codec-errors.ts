// The two ways a codec refuses input, as TributaryErrors. A library that throws something else
// on bad input (a RangeError, a plain Error) is mapped to CORRUPT_MESSAGE here, at the codec's
// edge, so the broker never sees a library's own error and never crashes on it.

import { TributaryError } from "../../model/errors.ts";

export function corruptStream(codec: string, why: string, cause?: unknown): TributaryError {
  return new TributaryError(
    "CORRUPT_MESSAGE",
    `invalid ${codec} records: ${why}`,
    cause === undefined ? undefined : { cause },
  );
}

export function expandsTooFar(bytesMax: number): TributaryError {
  return new TributaryError("MESSAGE_TOO_LARGE", `records expand beyond ${bytesMax} bytes`);
}

/** Runs a library call; anything but a TributaryError it throws is the input's fault. */
export function guarded<T>(codec: string, what: string, run: () => T): T {
  try {
    return run();
  } catch (err) {
    if (err instanceof TributaryError) throw err;
    throw corruptStream(codec, what, err);
  }
}
