// Runs operations one at a time per key (a promise chain per key), with a bound on how many may
// wait per key. Chains are forgotten once idle, so memory follows the keys in use.
import { TributaryError } from "../model/errors.ts";

interface Chain {
  tail: Promise<void>;
  length: number;
}

export class KeyedSerial {
  readonly #chains = new Map<string, Chain>();
  readonly #waitersMax: number;

  constructor(waitersMax: number) {
    this.#waitersMax = waitersMax;
  }

  /** Operations for `key` at once (running or waiting). */
  length(key: string): number {
    return this.#chains.get(key)?.length ?? 0;
  }

  run<T>(key: string, operation: () => Promise<T>): Promise<T> {
    let chain = this.#chains.get(key);
    if (chain === undefined) {
      chain = { tail: Promise.resolve(), length: 0 };
      this.#chains.set(key, chain);
    }
    if (chain.length >= this.#waitersMax) {
      return Promise.reject(
        new TributaryError(
          "COORDINATOR_NOT_AVAILABLE",
          `more than ${this.#waitersMax} operations queued for ${key}`,
        ),
      );
    }
    chain.length++;
    const current = chain;
    const result = current.tail.then(operation);
    const done = () => {
      current.length--;
      if (current.length === 0 && this.#chains.get(key) === current) this.#chains.delete(key);
    };
    current.tail = result.then(done, done);
    return result;
  }
}
