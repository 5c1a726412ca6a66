// Probes for the code of a TributaryError, so tests assert on codes, never on message text.
import { type IoErrorCode, isIoError } from "../../runtime/types.ts";
import { TributaryError } from "../../src/model/errors.ts";

/** The code fn throws; undefined when it returns, "not a TributaryError" for anything else. */
export function thrownCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof TributaryError ? err.code : "not a TributaryError";
  }
  return undefined;
}

/** The code p rejects with; "ok" when it resolves. Anything but a TributaryError is rethrown. */
export async function rejectionCode(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof TributaryError) return err.code;
    throw err;
  }
  return "ok";
}

/** The RuntimeIoError code p rejects with; "ok" when it resolves. Anything else is rethrown. */
export async function ioRejectionCode(p: Promise<unknown>): Promise<IoErrorCode | "ok"> {
  try {
    await p;
    return "ok";
  } catch (err) {
    if (isIoError(err)) return err.code;
    throw err;
  }
}
