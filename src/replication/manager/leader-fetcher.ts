// A follower broker's fetcher for one leader broker (Kafka's replica fetcher thread): one
// request in flight to that leader at a time, covering every partition this broker follows
// from it. OffsetForLeaderEpoch questions go first, then one fetch for every partition ready
// to fetch; partitions backing off wait out of both; with nothing to send it sleeps until a
// partition has something or a backoff ends.
import type { TimerHandle } from "../../../runtime/types.ts";
import type { ErrorCodeName } from "../../model/errors.ts";
import { isErrorCode } from "../../model/errors.ts";
import type { EpochEndAnswer, FetchAnswer } from "../messages.ts";
import { callBounded } from "./call-bounded.ts";
import { fetchedBatches, runEffects } from "./follower-role.ts";
import { type ManagerCore, nowMs } from "./manager-core.ts";
import type { FollowerRole, Slot } from "./slot.ts";

interface Ready {
  slot: Slot;
  role: FollowerRole;
}

export class LeaderFetcher {
  readonly leaderId: number;
  readonly #core: ManagerCore;
  readonly #slots = new Set<Slot>();
  #loop: Promise<void> | null = null;
  #wake: (() => void) | null = null;

  constructor(core: ManagerCore, leaderId: number) {
    this.#core = core;
    this.leaderId = leaderId;
  }

  get size(): number {
    return this.#slots.size;
  }

  add(slot: Slot): void {
    this.#slots.add(slot);
    this.poke();
    this.#loop ??= this.#run();
  }

  remove(slot: Slot): void {
    this.#slots.delete(slot);
    this.poke();
  }

  poke(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }

  /** Resolves once the loop has ended (after close, or with no partition left). */
  stopped(): Promise<void> {
    return this.#loop ?? Promise.resolve();
  }

  async #run(): Promise<void> {
    const core = this.#core;
    while (!core.closed && this.#slots.size > 0) {
      const now = nowMs(core);
      const ready = this.#ready(now);
      const asks = ready.filter((r) => r.role.next?.kind === "ask");
      if (asks.length > 0) {
        await this.#askEpochEnds(asks);
        continue;
      }
      const fetches = ready.filter((r) => r.role.next?.kind === "fetch");
      if (fetches.length > 0) {
        await this.#fetch(fetches);
        continue;
      }
      await this.#sleep(now);
    }
    this.#loop = null;
  }

  #ready(now: number): Ready[] {
    const ready: Ready[] = [];
    for (const slot of this.#slots) {
      const role = slot.role;
      if (role.kind !== "follower" || role.leaderId !== this.leaderId) continue;
      if (role.next !== null && role.notBeforeMs <= now) ready.push({ slot, role });
    }
    return ready;
  }

  /** Until poked, a backoff ends or the manager closes. */
  #sleep(now: number): Promise<void> {
    let until = Infinity;
    for (const slot of this.#slots) {
      const role = slot.role;
      if (role.kind === "follower" && role.next !== null) until = Math.min(until, role.notBeforeMs);
    }
    return new Promise((resolve) => {
      let timer: TimerHandle | null = null;
      let unsubscribe = () => {};
      const done = () => {
        timer?.cancel();
        unsubscribe();
        if (this.#wake === done) this.#wake = null;
        resolve();
      };
      this.#wake = done;
      if (until !== Infinity) timer = this.#core.timers.setTimeout(done, Math.max(1, until - now));
      unsubscribe = this.#core.closeSignal.onClose(done);
    });
  }

  async #askEpochEnds(asks: Ready[]): Promise<void> {
    const core = this.#core;
    const sent = asks.map(({ slot, role }) => {
      const next = role.next;
      if (next?.kind !== "ask") throw new Error("an ask is ready");
      role.next = null;
      return { slot, role, request: next.request };
    });
    const result = await callBounded(
      core.timers,
      core.config.requestTimeoutMs,
      core.closeSignal,
      () =>
        core.channel.epochEnd(this.leaderId, {
          replicaId: core.brokerId,
          partitions: sent.map(({ slot, request }) => ({
            topic: slot.key.topic,
            partition: slot.key.partition,
            currentLeaderEpoch: request.currentLeaderEpoch,
            leaderEpoch: request.leaderEpoch,
          })),
        }),
    );
    for (const { slot, role, request } of sent) {
      const reply = result.ok
        ? result.value.partitions.find((p) =>
          p.topic === slot.key.topic && p.partition === slot.key.partition
        )
        : undefined;
      const base = {
        currentLeaderEpoch: request.currentLeaderEpoch,
        requestedEpoch: request.leaderEpoch,
      };
      const answer: EpochEndAnswer = reply === undefined
        ? { ...base, errorCode: "NETWORK_EXCEPTION" }
        : reply.error !== null
        ? { ...base, errorCode: codeOf(reply.error.code) }
        : { ...base, errorCode: null, leaderEpoch: reply.leaderEpoch, endOffset: reply.endOffset };
      await runEffects(core, slot, role, () => role.state.onEpochEndAnswer(answer), null);
    }
  }

  async #fetch(fetches: Ready[]): Promise<void> {
    const core = this.#core;
    const sent = fetches.map(({ slot, role }) => {
      const next = role.next;
      if (next?.kind !== "fetch") throw new Error("a fetch is ready");
      role.next = null;
      return { slot, role, request: next.request };
    });
    const result = await callBounded(
      core.timers,
      core.config.requestTimeoutMs + core.config.replicaFetchWaitMaxMs,
      core.closeSignal,
      () =>
        core.channel.fetch(this.leaderId, {
          replicaId: core.brokerId,
          maxWaitMs: core.config.replicaFetchWaitMaxMs,
          minBytes: core.config.replicaFetchMinBytes,
          maxBytes: core.config.replicaFetchBytesMax,
          partitions: sent.map(({ slot, request }) => ({
            topic: slot.key.topic,
            partition: slot.key.partition,
            currentLeaderEpoch: request.leaderEpoch,
            fetchOffset: request.fetchOffset,
          })),
        }),
    );
    for (const { slot, role, request } of sent) {
      const reply = result.ok
        ? result.value.partitions.find((p) =>
          p.topic === slot.key.topic && p.partition === slot.key.partition
        )
        : undefined;
      const base = { currentLeaderEpoch: request.leaderEpoch, fetchOffset: request.fetchOffset };
      if (reply === undefined) {
        await runEffects(core, slot, role, () =>
          role.state.onFetchAnswer({
            ...base,
            errorCode: "NETWORK_EXCEPTION",
          }), null);
        continue;
      }
      role.leaderLogEndOffset = reply.logEndOffset;
      if (reply.error !== null) {
        const answer: FetchAnswer = {
          ...base,
          errorCode: codeOf(reply.error.code),
          logStartOffset: reply.logStartOffset,
        };
        await runEffects(core, slot, role, () => role.state.onFetchAnswer(answer), null);
        continue;
      }
      const { batches, bytes } = fetchedBatches(reply.records);
      const answer: FetchAnswer = {
        ...base,
        errorCode: null,
        highWatermark: reply.highWatermark,
        logStartOffset: reply.logStartOffset,
        batches,
      };
      await runEffects(core, slot, role, () => role.state.onFetchAnswer(answer), bytes);
    }
  }
}

function codeOf(code: string): ErrorCodeName {
  return isErrorCode(code) ? code : "UNKNOWN_SERVER_ERROR";
}
