// A binary min-heap of timers ordered by (due time, insertion sequence): two timers due at the
// same virtual instant fire in the order they were set, on every run.

export interface QueuedTimer {
  readonly dueMs: number;
  readonly seq: number;
  /** Who set it (a node name, or "" for the world): a crashed node's timers are dropped. */
  readonly owner: string;
  readonly fn: () => void;
  cancelled: boolean;
}

export class TimerQueue {
  #heap: QueuedTimer[] = [];
  #live = 0;

  /** Timers not yet fired or cancelled. */
  get size(): number {
    return this.#live;
  }

  push(timer: QueuedTimer): void {
    this.#heap.push(timer);
    this.#live++;
    this.#siftUp(this.#heap.length - 1);
  }

  cancel(timer: QueuedTimer): void {
    if (timer.cancelled) return;
    timer.cancelled = true;
    this.#live--;
    // Cancelled timers wait in the heap until they reach the top; rebuild before they pile up.
    if (this.#heap.length > 1024 && this.#heap.length > 4 * this.#live) this.#compact();
  }

  /** Cancels every timer set by owner. */
  cancelOwner(owner: string): void {
    for (const timer of this.#heap) if (timer.owner === owner) this.cancel(timer);
  }

  /** The earliest live timer, without removing it. */
  peek(): QueuedTimer | undefined {
    this.#dropCancelled();
    return this.#heap[0];
  }

  pop(): QueuedTimer | undefined {
    this.#dropCancelled();
    const top = this.#heap[0];
    if (top === undefined) return undefined;
    this.#removeTop();
    this.#live--;
    top.cancelled = true; // fired: a late cancel() must not count it again
    return top;
  }

  #compact(): void {
    const live = this.#heap.filter((timer) => !timer.cancelled);
    this.#heap = [];
    for (const timer of live) {
      this.#heap.push(timer);
      this.#siftUp(this.#heap.length - 1);
    }
  }

  #dropCancelled(): void {
    while (this.#heap.length > 0 && this.#heap[0].cancelled) this.#removeTop();
  }

  #removeTop(): void {
    const last = this.#heap.pop() as QueuedTimer;
    if (this.#heap.length === 0) return;
    this.#heap[0] = last;
    this.#siftDown(0);
  }

  #siftUp(index: number): void {
    const heap = this.#heap;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!before(heap[index], heap[parent])) return;
      [heap[index], heap[parent]] = [heap[parent], heap[index]];
      index = parent;
    }
  }

  #siftDown(index: number): void {
    const heap = this.#heap;
    for (;;) {
      const left = 2 * index + 1;
      const right = left + 1;
      let smallest = index;
      if (left < heap.length && before(heap[left], heap[smallest])) smallest = left;
      if (right < heap.length && before(heap[right], heap[smallest])) smallest = right;
      if (smallest === index) return;
      [heap[index], heap[smallest]] = [heap[smallest], heap[index]];
      index = smallest;
    }
  }
}

function before(a: QueuedTimer, b: QueuedTimer): boolean {
  return a.dueMs < b.dueMs || (a.dueMs === b.dueMs && a.seq < b.seq);
}
