// Commits of one group member. One at a time and in the order asked, so an older commit never
// lands after a newer one. The member id and epoch are those of when the commit was asked, also
// for a commit that waited in the queue or is retried: the offsets are positions of that epoch,
// and the coordinator takes a commit at the member's previous epoch only for partitions it still
// holds. Sent at a newer epoch instead, a commit that waited out a rebalance (a coordinator
// moving, say) would land positions of partitions now another member's, moving their committed
// offsets back (the cluster simulation's 3-node seeds 33 and 37). Retriable errors are retried a
// bounded number of times: a commit is idempotent, so resending one whose answer was lost is
// harmless.

import type { OffsetCommitEntry } from "../protocol/cbor/ops/offset-commit.ts";
import { TributaryError } from "../model/errors.ts";
import type { ClientRuntime } from "./cluster.ts";
import type { GroupClient } from "./group-client.ts";

export interface OffsetCommitterOptions {
  groupId: string;
  /** Who commits, as of now. */
  member: () => { memberId: string; memberEpoch: number };
  retries: number;
  retryBackoffMs: number;
  retryBackoffMsMax: number;
}

export class OffsetCommitter {
  readonly #rt: Pick<ClientRuntime, "timers">;
  readonly #client: GroupClient;
  readonly #options: OffsetCommitterOptions;
  #queue: Promise<void> = Promise.resolve();
  #inFlight = 0;

  constructor(
    rt: Pick<ClientRuntime, "timers">,
    client: GroupClient,
    options: OffsetCommitterOptions,
  ) {
    this.#rt = rt;
    this.#client = client;
    this.#options = options;
  }

  /** Commits waiting or being sent. */
  get pending(): number {
    return this.#inFlight;
  }

  /** Resolves once every offset is durable on the coordinator; commits run in call order. */
  commit(offsets: readonly OffsetCommitEntry[]): Promise<void> {
    if (offsets.length === 0) return this.#queue;
    this.#inFlight++;
    const member = this.#options.member();
    const run = this.#queue.then(() => this.#send(offsets, member));
    // The queue only orders commits; each commit's failure reaches the caller through `run`.
    this.#queue = run.then(() => undefined, () => undefined);
    return run.finally(() => this.#inFlight--);
  }

  async #send(
    offsets: readonly OffsetCommitEntry[],
    member: { memberId: string; memberEpoch: number },
  ): Promise<void> {
    const { retries, retryBackoffMs, retryBackoffMsMax } = this.#options;
    for (let attempt = 0;; attempt++) {
      try {
        await this.#client.commit({
          groupId: this.#options.groupId,
          ...member,
          offsets: offsets.map((o) => ({ ...o })),
        });
        return;
      } catch (err) {
        if (!(err instanceof TributaryError) || !err.retriable || attempt >= retries) throw err;
        await this.#rt.timers.sleep(Math.min(retryBackoffMs * 2 ** attempt, retryBackoffMsMax));
      }
    }
  }
}
