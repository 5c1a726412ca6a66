// A broker's membership in the cluster: it follows the committed metadata log of the active
// controller into its own CommittedImage, registers itself (a new incarnation every start),
// heartbeats, and does the controlled shutdown. Everything the broker does with metadata
// (opening replicas, becoming leader or follower) hangs off that CommittedImage's listeners.
//
// The follower loop long-polls fetchMetadata from the offset after the last applied batch; a
// snapshot in the answer (the broker fell behind the controller's log compaction, or starts
// empty) replaces the image and is published as one delta. Registration waits until the broker
// has applied everything committed as of its first answer: the cluster id lives in the image,
// and the data directory is tidied against it. Heartbeats carry the applied offset: the
// controller unfences the broker once it has applied its own registration, so a broker never
// leads with an image older than its registration.
import type { Runtime } from "../../runtime/types.ts";
import type { ControllerService, ListenerEndpoint } from "../model/cluster.ts";
import { TributaryError } from "../model/errors.ts";
import { escalateInvariant } from "../model/invariant.ts";
import type { Logger } from "../logging/logger.ts";
import { CommittedImage } from "../metadata/committed-image.ts";
import { MetadataImage } from "../metadata/image.ts";
import { decodeMetadataRecord, type MetadataRecord } from "../metadata/records.ts";

export interface BrokerMembershipOptions {
  brokerId: number;
  /** The cluster this broker's data directory belongs to; null on its first start. */
  clusterId: string | null;
  incarnationId: string;
  /** The listeners to register; empty until they are bound (setEndpoints). */
  endpoints: ListenerEndpoint[];
  rack: string | null;
  heartbeatIntervalMs: number;
  /** The active controller, wherever it is (controller-router.ts). */
  controller: ControllerService;
  logger: Logger;
  /** Long-poll wait of one metadata fetch (default 1 s). */
  fetchWaitMs?: number;
}

export interface MembershipState {
  registered: boolean;
  fenced: boolean;
  caughtUp: boolean;
}

type Rt = Pick<Runtime, "clock" | "timers">;

const FETCH_BYTES_MAX = 4 * 1024 * 1024;
const RETRY_MS_MIN = 50;
const RETRY_MS_MAX = 1_000;

export class BrokerMembership {
  readonly #rt: Rt;
  readonly #options: BrokerMembershipOptions;
  readonly committed = new CommittedImage();
  #state: MembershipState = { registered: false, fenced: true, caughtUp: false };
  #running = true;
  #wantShutdown = false;
  #shutdownReady = false;
  #clusterId: string | null;
  #endpoints: ListenerEndpoint[];
  readonly #abort = new AbortController();
  #loops: Promise<void>[] = [];
  #firstSync: { promise: Promise<void>; resolve: () => void };
  /** The controller's committed offset in its first answer: synced once applied up to it. */
  #syncTarget: number | null = null;
  #stateWaiters: { test: () => boolean; resolve: () => void }[] = [];

  constructor(rt: Rt, options: BrokerMembershipOptions) {
    this.#rt = rt;
    this.#options = options;
    this.#clusterId = options.clusterId;
    this.#endpoints = [...options.endpoints];
    let resolve!: () => void;
    const promise = new Promise<void>((r) => (resolve = r));
    this.#firstSync = { promise, resolve };
  }

  /** The bound listeners: registration waits for them. */
  setEndpoints(endpoints: ListenerEndpoint[]): void {
    this.#endpoints = [...endpoints];
  }

  get incarnationId(): string {
    return this.#options.incarnationId;
  }

  /** Starts following metadata, then registers and heartbeats. */
  start(): void {
    this.#loops = [this.#followLoop(), this.#heartbeatLoop()];
  }

  /** Resolves once what was committed at the first answer is applied (with the cluster id). */
  get synced(): Promise<void> {
    return this.#firstSync.promise;
  }

  get state(): Readonly<MembershipState> {
    return this.#state;
  }

  get clusterId(): string | null {
    return this.#clusterId;
  }

  /** Resolves when test() holds after a heartbeat or a fetch, or rejects after timeoutMs. */
  waitFor(test: (state: MembershipState) => boolean, timeoutMs: number): Promise<void> {
    if (test(this.#state)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = this.#rt.timers.setTimeout(() => {
        this.#stateWaiters = this.#stateWaiters.filter((w) => w !== waiter);
        reject(new TributaryError("REQUEST_TIMED_OUT", `membership state not reached`));
      }, timeoutMs);
      const waiter = {
        test: () => test(this.#state),
        resolve: () => {
          timer.cancel();
          resolve();
        },
      };
      this.#stateWaiters.push(waiter);
    });
  }

  /**
   * Controlled shutdown: asks the controller to move this broker's leaderships away and waits
   * until it says none is left (or timeoutMs passes: the broker then stops anyway and its
   * session expires). Heartbeats keep going meanwhile.
   */
  async controlledShutdown(timeoutMs: number): Promise<boolean> {
    if (!this.#state.registered) return false;
    this.#wantShutdown = true;
    try {
      await this.waitFor(() => this.#shutdownReady, timeoutMs);
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    this.#running = false;
    this.#abort.abort(new TributaryError("BROKER_SHUTTING_DOWN", "membership closed"));
    await Promise.allSettled(this.#loops);
  }

  async #followLoop(): Promise<void> {
    let retryMs = RETRY_MS_MIN;
    while (this.#running) {
      try {
        const from = Math.max(1, this.committed.committedOffset + 1);
        const reply = await this.#options.controller.fetchMetadata({
          brokerId: this.#options.brokerId,
          fromOffset: from,
          maxWaitMs: this.#options.fetchWaitMs ?? 1_000,
          maxBytes: FETCH_BYTES_MAX,
        });
        if (!this.#running) return;
        this.#applyFetched(reply);
        retryMs = RETRY_MS_MIN;
        // Synced means caught up with what was committed when the broker started asking: an
        // answer is capped in bytes, and the broker tidies its data directory against this
        // image (a partial one would make it delete the partitions of later topics).
        this.#syncTarget ??= reply.committedOffset;
        const caughtUp = this.committed.committedOffset >= this.#syncTarget;
        // A new quorum commits its leader's no-op before the cluster id: not synced until then.
        if (this.#clusterId !== null && caughtUp) this.#firstSync.resolve();
        this.#wake();
      } catch (err) {
        if (!this.#running) return;
        // A batch that breaks the image's rules is a bug, not a network hiccup: stop the world.
        if (escalateInvariant(err, "applying committed metadata") !== null) return;
        this.#warn("cluster.metadata_fetch_failed", err);
        await this.#pause(retryMs);
        retryMs = Math.min(retryMs * 2, RETRY_MS_MAX);
      }
    }
  }

  #applyFetched(reply: Awaited<ReturnType<ControllerService["fetchMetadata"]>>): void {
    if (reply.snapshot !== null && reply.snapshot.offset > this.committed.committedOffset) {
      const image = new MetadataImage();
      for (const bytes of reply.snapshot.records) image.apply(decodeMetadataRecord(bytes));
      this.committed.applySnapshot({
        image,
        offset: reply.snapshot.offset,
        epoch: reply.snapshot.epoch,
      });
    }
    for (const batch of reply.batches) {
      if (batch.lastOffset <= this.committed.committedOffset) continue; // a resent answer
      const records: MetadataRecord[] = batch.records.map(decodeMetadataRecord);
      this.committed.applyCommitted({ records, lastOffset: batch.lastOffset, epoch: batch.epoch });
    }
    const id = this.committed.image.clusterId;
    if (id !== null) this.#clusterId ??= id;
  }

  async #heartbeatLoop(): Promise<void> {
    await Promise.race([this.#firstSync.promise, this.#stopped()]);
    while (this.#running) {
      try {
        if (!this.#state.registered) {
          if (this.#endpoints.length === 0) {
            await this.#pause(this.#options.heartbeatIntervalMs);
            continue;
          }
          await this.#register();
        }
        const reply = await this.#options.controller.brokerHeartbeat({
          brokerId: this.#options.brokerId,
          incarnationId: this.#options.incarnationId,
          appliedOffset: this.committed.committedOffset,
          wantShutdown: this.#wantShutdown,
        });
        this.#state = { registered: true, fenced: reply.fenced, caughtUp: reply.caughtUp };
        if (reply.shutdownReady) this.#shutdownReady = true;
        this.#wake();
      } catch (err) {
        if (!this.#running) return;
        if (
          err instanceof TributaryError &&
          (err.code === "STALE_BROKER_EPOCH" || err.code === "BROKER_ID_NOT_REGISTERED")
        ) {
          // The controller forgot this life (e.g. fenced and unregistered): register again.
          this.#state = { registered: false, fenced: true, caughtUp: false };
        }
        this.#warn("cluster.heartbeat_failed", err);
      }
      await this.#pause(this.#options.heartbeatIntervalMs);
    }
  }

  async #register(): Promise<void> {
    const clusterId = this.#clusterId;
    if (clusterId === null) {
      throw new TributaryError("BROKER_NOT_AVAILABLE", "the cluster has no id yet");
    }
    const reply = await this.#options.controller.registerBroker({
      clusterId,
      brokerId: this.#options.brokerId,
      incarnationId: this.#options.incarnationId,
      endpoints: this.#endpoints,
      rack: this.#options.rack,
    });
    this.#state = { registered: true, fenced: true, caughtUp: false };
    this.#options.logger.info(
      "cluster.broker_registered",
      `broker ${this.#options.brokerId} registered at metadata offset ${reply.registeredAtOffset}`,
      { brokerId: this.#options.brokerId, offset: reply.registeredAtOffset },
    );
  }

  #wake(): void {
    const ready = this.#stateWaiters.filter((w) => w.test());
    this.#stateWaiters = this.#stateWaiters.filter((w) => !ready.includes(w));
    for (const w of ready) w.resolve();
  }

  #stopped(): Promise<void> {
    return new Promise((resolve) => {
      if (this.#abort.signal.aborted) resolve();
      this.#abort.signal.addEventListener("abort", () => resolve(), { once: true });
    });
  }

  async #pause(ms: number): Promise<void> {
    try {
      await this.#rt.timers.sleep(ms, this.#abort.signal);
    } catch {
      // Aborted by close(): the loop sees #running false.
    }
  }

  #warn(event: string, err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    const code = err instanceof TributaryError ? err.code : undefined;
    this.#options.logger.warn(event, message, { brokerId: this.#options.brokerId, code });
  }
}
