// Resolving a partition's position when it has none: from the group's committed offset, or by
// the reset policy via ListOffsets. Each answer is dropped if a seek() bumped the epoch meanwhile.

import { TributaryError } from "../model/errors.ts";
import { listOffsets } from "./admin.ts";
import { type Assignment, tpKey } from "./assignment.ts";
import type { ClusterClient } from "./cluster.ts";
import type { OffsetResetPolicy } from "./consumer-options.ts";
import type { GroupSession } from "./group-session.ts";

export class OffsetResets {
  readonly #cluster: ClusterClient;
  readonly #policy: OffsetResetPolicy;
  /** A getter: the session is created after this, and needs it. */
  readonly #group: () => GroupSession | null;

  constructor(
    cluster: ClusterClient,
    options: { policy: OffsetResetPolicy; group: () => GroupSession | null },
  ) {
    this.#cluster = cluster;
    this.#policy = options.policy;
    this.#group = options.group;
  }

  /** Starts partitions at their committed offsets; those without one fall back to the policy. */
  async resolveCommitted(list: Assignment[]): Promise<void> {
    const group = this.#group();
    if (list.length === 0 || !group) return;
    const epochs = list.map((a) => a.epoch);
    const entries = await group.fetchCommitted(list.map((a) => a.tp));
    const found = new Map(entries.map((e) => [tpKey(e), e.offset]));
    list.forEach((a, i) => {
      if (a.epoch !== epochs[i] || a.reset !== "committed") return;
      const offset = found.get(tpKey(a.tp)) ?? null;
      a.committed = offset;
      if (offset === null) {
        a.reset = this.#policy === "none" ? null : this.#policy;
        return;
      }
      a.position = a.fetchOffset = a.processed = offset;
      a.reset = null;
    });
  }

  async resolveReset(a: Assignment): Promise<void> {
    if (a.reset === "committed") await this.resolveCommitted([a]);
    if (a.reset === null) {
      if (a.position !== null) return;
      const why = this.#group() ? "no committed offset" : "no position";
      throw new TributaryError(
        "OFFSET_OUT_OF_RANGE",
        `${why} for ${a.tp.topic}-${a.tp.partition} and autoOffsetReset is "none": seek first`,
      );
    }
    if (a.reset === "committed") return;
    const epoch = a.epoch;
    const { offset } = await listOffsets(this.#cluster, a.tp.topic, a.tp.partition, a.reset);
    if (a.epoch !== epoch) return;
    a.position = offset;
    a.fetchOffset = offset;
    a.processed ??= offset;
    a.reset = null;
  }
}
