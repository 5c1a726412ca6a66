// assert() and what catches its violations: the first one is recorded, watchers see even a
// swallowed one, the error mappings (toTributaryError, the HTTP onError) escalate it instead of
// turning it into an ordinary UNKNOWN_SERVER_ERROR answer, and no error it caused is retriable.
import { afterEach, describe, expect, it } from "vitest";
import { assert, toTributaryError, TributaryError } from "../../src/model/errors.ts";
import { mapError } from "../../src/http/error-map.ts";
import {
  containInvariant,
  escalateInvariant,
  firstInvariantViolation,
  InvariantViolation,
  onFatalInvariant,
  watchInvariants,
} from "../../src/model/invariant.ts";

/** The violation assert(false) raises, caught. */
function violation(invariant: string): InvariantViolation {
  try {
    assert(false, invariant);
  } catch (err) {
    return err as InvariantViolation;
  }
  throw new Error("assert(false) returned");
}

const fatal: Array<{ invariant: string; where: string }> = [];
let offFatal = () => {};

afterEach(() => {
  offFatal();
  fatal.length = 0;
});

function watchFatal(): void {
  offFatal = onFatalInvariant((v, where) => void fatal.push({ invariant: v.invariant, where }));
}

describe("assert", () => {
  it("throws an InvariantViolation naming the invariant; a true condition throws nothing", () => {
    expect(() => assert(1 + 1 === 2, "arithmetic")).not.toThrow();
    const v = violation("offsets only grow");
    expect(v).toBeInstanceOf(InvariantViolation);
    expect(v).not.toBeInstanceOf(TributaryError);
    expect(v.invariant).toBe("offsets only grow");
    expect(v.message).toBe("invariant violated: offsets only grow");
  });

  it("shows every violation to the watchers, even one the code swallowed, and keeps the first", () => {
    const seen: string[] = [];
    const unwatch = watchInvariants((v) => void seen.push(v.invariant));
    try {
      assert(false, "swallowed by a catch");
    } catch {
      // the code under test carries on
    }
    violation("second");
    unwatch();
    violation("after unwatch");
    expect(seen).toEqual(["swallowed by a catch", "second"]);
    expect(firstInvariantViolation()).toMatchObject({ invariant: expect.any(String) });
    expect(firstInvariantViolation()?.stack).toContain("invariant violated:");
  });
});

describe("toTributaryError", () => {
  it("never wraps a violation into UNKNOWN_SERVER_ERROR: INVARIANT_VIOLATED, not retriable", () => {
    const typed = toTributaryError(violation("HW <= LEO"));
    expect(typed.code).not.toBe("UNKNOWN_SERVER_ERROR");
    expect(typed.code).toBe("INVARIANT_VIOLATED");
    expect(typed.retriable).toBe(false);
    expect(typed.message).toContain("HW <= LEO");
  });

  it("escalates the violation to the fatal handlers, once however many catches see it", () => {
    watchFatal();
    const v = violation("one owner per partition");
    toTributaryError(v);
    toTributaryError(v);
    mapError(v);
    expect(fatal).toEqual([{ invariant: "one owner per partition", where: "error mapping" }]);
  });

  it("leaves other errors as they were", () => {
    watchFatal();
    expect(toTributaryError(new Error("disk on fire")).code).toBe("UNKNOWN_SERVER_ERROR");
    const typed = new TributaryError("NOT_COORDINATOR", "moved");
    expect(toTributaryError(typed)).toBe(typed);
    expect(fatal).toEqual([]);
  });
});

describe("errors a violation caused", () => {
  it("are never retriable while the violation is uncontained, and retriable once contained", () => {
    const v = violation("decoder state");
    const wrapped = new TributaryError("NETWORK_EXCEPTION", "connection failed", { cause: v });
    expect(wrapped.retriable).toBe(false);
    containInvariant(v);
    expect(wrapped.retriable).toBe(true);
    expect(new TributaryError("NETWORK_EXCEPTION", "plain").retriable).toBe(true);
  });

  it("a contained violation is not escalated", () => {
    watchFatal();
    const v = violation("partition-local");
    containInvariant(v);
    expect(escalateInvariant(v, "test")).toBeNull();
    expect(fatal).toEqual([]);
  });
});

describe("the HTTP error mapping", () => {
  it("answers INVARIANT_VIOLATED (500) and escalates, instead of a plain 500 that carries on", () => {
    watchFatal();
    const mapped = mapError(violation("topic image consistent"));
    expect(mapped.status).toBe(500);
    expect(mapped.body.error.code).toBe("INVARIANT_VIOLATED");
    expect(fatal).toEqual([{ invariant: "topic image consistent", where: "http request" }]);
  });
});
