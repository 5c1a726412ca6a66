// Invariants that stop the world. assert() (re-exported by errors.ts, where its 40-odd callers
// import it) raises an InvariantViolation: a bug, never an input error, never retried.
//
// Where it lands decides what stops (docs/invariants.md):
// - inside one partition's produce, fetch or log work, the broker's partition boundary
//   (src/broker/partition.ts contain()) takes that partition offline;
// - anywhere else, the code that catches it (error mapping, task loops, the group coordinator)
//   calls escalateInvariant(), and the handlers the composition root registered stop the
//   process (`serve` exits with EXIT_SOFTWARE) or close the embedded broker.
//
// Two process-wide hooks, because assert() has no context to carry one: 43 files call it from
// code that has no Runtime or options at hand. Both are registered and removed by their owners
// (the composition root per broker, the simulation per seed), never left set by a library.
// - watchInvariants(): told of every violation as it is raised, before any code can catch and
//   swallow it (the simulation fails the seed with it).
// - onFatalInvariant(): told of a violation that reached code that cannot contain it.
//
// A violation that reached a partition boundary is contained: it is not escalated, and the
// KAFKA_STORAGE_ERROR the partition answers from then on is the ordinary, retriable one.
//
// Leaf module: imports nothing, so errors.ts and every layer can use it.

/** Exit status of a process stopped by an invariant violation (sysexits.h EX_SOFTWARE). */
export const EXIT_SOFTWARE = 70;

export class InvariantViolation extends Error {
  /** The invariant as its assert() stated it, without the "invariant violated: " prefix. */
  readonly invariant: string;
  constructor(invariant: string) {
    super(`invariant violated: ${invariant}`);
    this.name = "InvariantViolation";
    this.invariant = invariant;
  }
}

/** What is kept of the first violation of the process, for reports after the fact. */
export interface InvariantReport {
  invariant: string;
  message: string;
  stack: string;
}

export type InvariantWatcher = (violation: InvariantViolation) => void;
/** `where` names the code that caught it ("cbor request", "retention task", ...). */
export type FatalInvariantHandler = (violation: InvariantViolation, where: string) => void;

const watchers = new Set<InvariantWatcher>();
const fatalHandlers = new Set<FatalInvariantHandler>();
/** Violations already escalated: several catch sites may see the same one on its way up. */
const escalated = new WeakSet<InvariantViolation>();
/** Violations a partition took itself offline for: their damage ends there. */
const contained = new WeakSet<InvariantViolation>();
let first: InvariantReport | null = null;

/** Invariant check that stays on in production: a failure is a bug, never caught and retried. */
export function assert(condition: unknown, message: string): asserts condition {
  // Nothing is allocated while the condition holds.
  if (!condition) throw raiseInvariant(message);
}

/** The violation of `invariant`, recorded and shown to the watchers; the caller throws it. */
export function raiseInvariant(invariant: string): InvariantViolation {
  const violation = new InvariantViolation(invariant);
  first ??= {
    invariant,
    message: violation.message,
    stack: violation.stack ?? violation.message,
  };
  for (const watch of [...watchers]) {
    // A watcher that throws must not turn the violation into a different error.
    try {
      watch(violation);
    } catch {
      // Watchers are test harnesses and reporters; there is nowhere better to send this.
    }
  }
  return violation;
}

/** The first violation raised in this process, or null. */
export function firstInvariantViolation(): InvariantReport | null {
  return first;
}

/** Calls watcher with every violation raised until the returned function is called. */
export function watchInvariants(watcher: InvariantWatcher): () => void {
  watchers.add(watcher);
  return () => void watchers.delete(watcher);
}

/** Registers a handler for violations nothing could contain; returns its removal. */
export function onFatalInvariant(handler: FatalInvariantHandler): () => void {
  fatalHandlers.add(handler);
  return () => void fatalHandlers.delete(handler);
}

/** How many causes deep a violation is looked for in a wrapped error. */
const CAUSE_DEPTH_MAX = 8;

/** The violation err is, or was caused by (a TributaryError wrapping one), or null. */
export function invariantViolationIn(err: unknown): InvariantViolation | null {
  let at = err;
  for (let depth = 0; depth < CAUSE_DEPTH_MAX; depth++) {
    if (at instanceof InvariantViolation) return at;
    if (!(at instanceof Error)) return null;
    at = at.cause;
  }
  return null;
}

/** Marks a violation as contained (a partition went offline for it): it is not escalated. */
export function containInvariant(violation: InvariantViolation): void {
  contained.add(violation);
}

/** Whether err is, or wraps, a violation nothing contained: such an error is never retried. */
export function uncontainedInvariantIn(err: unknown): boolean {
  const violation = invariantViolationIn(err);
  return violation !== null && !contained.has(violation);
}

/**
 * For code that catches errors it cannot contain: when err is (or wraps) a violation no
 * partition contained, hands it once to the fatal handlers and returns it; else returns null.
 */
export function escalateInvariant(err: unknown, where: string): InvariantViolation | null {
  const violation = invariantViolationIn(err);
  if (violation === null || contained.has(violation)) return null;
  if (escalated.has(violation)) return violation;
  escalated.add(violation);
  for (const handle of [...fatalHandlers]) {
    try {
      handle(violation, where);
    } catch {
      // One failing handler (a broker that cannot close) must not stop the others.
    }
  }
  return violation;
}
