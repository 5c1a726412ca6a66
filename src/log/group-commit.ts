// Group commit: many durable appends share one fsync.
//
// A caller whose data is written (in the page cache) up to offset X asks waitDurable(X). One
// sync round runs at a time. A round decides what it covers (its target) when it starts its
// work, so a caller can ride along with the running round only while that round has not yet
// chosen its target, or when the target already covers X; everyone else waits for the next
// round, which starts as soon as the running one ends. N concurrent appenders therefore cost
// about two fsyncs per fsync latency instead of N.

import { assert } from "../model/errors.ts";

/** Runs one sync round: calls onTarget(t) once it knows what it covers, then makes [0, t) durable. */
export type SyncRound = (onTarget: (target: number) => void) => Promise<void>;

interface Round {
  target: number;
  promise: Promise<void>;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class GroupCommit {
  readonly #sync: SyncRound;
  readonly #durableOffset: () => number;
  #running: Round | null = null;
  #next: Round | null = null;
  #rounds = 0;

  /** durableOffset: everything below it is known durable (the log's recovery point). */
  constructor(sync: SyncRound, durableOffset: () => number) {
    this.#sync = sync;
    this.#durableOffset = durableOffset;
  }

  /** Sync rounds started so far. */
  get rounds(): number {
    return this.#rounds;
  }

  /** True while a round runs or waits to run. */
  get busy(): boolean {
    return this.#running !== null || this.#next !== null;
  }

  /** Resolves once everything written below offset before this call is durable. */
  waitDurable(offset: number): Promise<void> {
    if (offset <= this.#durableOffset()) return Promise.resolve();
    const running = this.#running;
    if (running !== null && (running.target < 0 || running.target >= offset)) {
      return running.promise;
    }
    this.#next ??= newRound();
    const next = this.#next;
    if (this.#running === null) this.#start();
    return next.promise;
  }

  /** Resolves when no round is running or queued (errors belong to the rounds' waiters). */
  async idle(): Promise<void> {
    for (let i = 0; this.busy; i++) {
      assert(i < 1_000_000, "group commit never went idle");
      const round = (this.#running ?? this.#next) as Round;
      await round.promise.then(noop, noop);
    }
  }

  #start(): void {
    const round = this.#next as Round;
    this.#next = null;
    this.#running = round;
    this.#rounds++;
    const onTarget = (target: number): void => {
      assert(round.target < 0 && target >= 0, "a sync round chooses its target once");
      round.target = target;
    };
    this.#sync(onTarget).then(
      () => this.#finish(round, null),
      (err: unknown) => this.#finish(round, err ?? new Error("sync round failed")),
    );
  }

  #finish(round: Round, err: unknown): void {
    assert(this.#running === round, "finishing the running round");
    this.#running = null;
    if (err === null) round.resolve();
    else round.reject(err);
    if (this.#next !== null) this.#start();
  }
}

function newRound(): Round {
  let resolve!: () => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Rounds nobody waits on (an error after every waiter gave up) must not crash the host.
  promise.catch(noop);
  return { target: -1, promise, resolve, reject };
}

function noop(): void {}
