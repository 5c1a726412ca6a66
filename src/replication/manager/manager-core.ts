// The state the replica manager's parts share (replica-manager.ts is the surface; the leader's
// fetch serving, its ISR upkeep and the follower fetchers each live in a file of their own and
// work on this).
import type { Clock, Timers } from "../../../runtime/types.ts";
import type { CloseSignal } from "./close-signal.ts";
import type { Logger } from "../../logging/logger.ts";
import type { ReplicaManagerConfig } from "./options.ts";
import type { ReplicaChannel } from "./replica-channel.ts";
import type { Slot } from "./slot.ts";

export interface ManagerCounters {
  isrShrinks: number;
  isrExpands: number;
  /** AlterPartition calls sent (resends included). */
  alterPartitionSends: number;
  fetchesParkedTotal: number;
  truncationsBelowHighWatermark: number;
}

export interface ManagerCore {
  readonly brokerId: number;
  readonly incarnationId: string;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly channel: ReplicaChannel;
  readonly logger: Logger;
  readonly config: ReplicaManagerConfig;
  readonly slots: Map<string, Slot>;
  readonly counters: ManagerCounters;
  /** Fires when close() starts: every bounded call and park ends then. */
  readonly closeSignal: CloseSignal;
  closed: boolean;
  parkedFetches: number;
  /** A follower slot changed what it wants to send: wake the fetcher of its leader. */
  pokeFetcher(leaderId: number): void;
}

export function nowMs(core: ManagerCore): number {
  return Math.floor(core.clock.monotonicMs());
}
