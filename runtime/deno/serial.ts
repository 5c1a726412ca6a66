// Runs async operations one at a time, in call order. Deno files have one shared seek position,
// so a seek and the read or write after it must not interleave with another pair.
export class Serial {
  #tail: Promise<unknown> = Promise.resolve();

  run<T>(op: () => T | Promise<T>): Promise<T> {
    const result = this.#tail.then(op);
    // The chain only orders operations; each caller sees its own outcome through `result`.
    this.#tail = result.then(ignore, ignore);
    return result;
  }
}

function ignore(): void {}
