// A tiny message network for the replication simulation: seeded delay, loss, duplication (and
// so reordering), and nodes cut off for a while. Every queue is bounded.
import type { SeededRandom } from "../../../runtime/sim/prng.ts";

export const CONTROLLER = 0;

export interface Faults {
  lossP: number;
  dupP: number;
  delayMsMax: number;
}

interface InFlight<M> {
  atMs: number;
  seq: number;
  from: number;
  to: number;
  body: M;
}

const IN_FLIGHT_MAX = 10_000;

export class SimNetwork<M> {
  faults: Faults;
  readonly #random: SeededRandom;
  #queue: InFlight<M>[] = [];
  #seq = 0;
  /** Node id -> cut off until this time (no message to or from it, the controller included). */
  readonly cutUntilMs = new Map<number, number>();

  constructor(random: SeededRandom, faults: Faults) {
    this.#random = random;
    this.faults = faults;
  }

  isCut(node: number, nowMs: number): boolean {
    return (this.cutUntilMs.get(node) ?? -1) > nowMs;
  }

  send(from: number, to: number, body: M, nowMs: number): void {
    if (this.isCut(from, nowMs) || this.isCut(to, nowMs)) return;
    const copies = this.#random.chance(this.faults.dupP) ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      if (this.#random.chance(this.faults.lossP)) continue;
      if (this.#queue.length >= IN_FLIGHT_MAX) throw new Error("network queue bound reached");
      const atMs = nowMs + 1 + this.#random.int(this.faults.delayMsMax);
      this.#queue.push({ atMs, seq: this.#seq++, from, to, body });
    }
  }

  /** Removes and returns the messages due by `nowMs`, in delivery order (cuts drop them). */
  due(nowMs: number): { from: number; to: number; body: M }[] {
    const ready = this.#queue.filter((m) => m.atMs <= nowMs);
    if (ready.length === 0) return [];
    this.#queue = this.#queue.filter((m) => m.atMs > nowMs);
    ready.sort((a, b) => a.atMs - b.atMs || a.seq - b.seq);
    return ready.filter((m) => !this.isCut(m.from, nowMs) && !this.isCut(m.to, nowMs));
  }
}
