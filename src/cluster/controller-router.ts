// A ControllerService that reaches whichever controller is active. Only the Raft leader answers
// controller requests; the others refuse with NOT_CONTROLLER. The wire error carries no leader
// hint, so the router keeps the voter that answered last and, on NOT_CONTROLLER or a network
// failure, moves to the next voter in id order, backing off after each full round. During an
// election every voter refuses for a moment: the call keeps trying until its deadline instead
// of failing, so a broker's heartbeat or a topic creation rides over a controller failover.
// A voter that accepts a request and never answers (a stopped process: its socket stays open)
// would hold a heartbeat or a metadata fetch until the link's request timeout, longer than the
// broker session: those two, which are safe to send elsewhere, move on after attemptTimeoutMs.
import { type Runtime, RuntimeIoError } from "../../runtime/types.ts";
import { assert, TributaryError } from "../model/errors.ts";
import type { ControllerService, RaftEnvelope } from "../model/cluster.ts";

export interface ControllerLinks {
  /** The quorum's voters (distinct, at least one). */
  voterIds: readonly number[];
  /** The way to one voter: the local controller in-process, or a remote one over the wire. */
  link(voterId: number): ControllerService;
}

export interface ControllerRouterOptions {
  /** How long one call keeps looking for the active controller (default 5 s). */
  callTimeoutMs?: number;
  /** The pause after a round in which no voter answered, doubling up to backoffMsMax. */
  backoffMsMin?: number;
  backoffMsMax?: number;
  /**
   * How long a heartbeat (and a metadata fetch, beyond its long-poll wait) waits for one voter's
   * answer before trying the next (default 1 s: below broker.session.timeout.ms).
   */
  attemptTimeoutMs?: number;
}

type Rt = Pick<Runtime, "clock" | "timers">;

/** Codes after which the next voter may be the one: the request itself was not the problem. */
const MOVE_ON = new Set(["NOT_CONTROLLER", "NETWORK_EXCEPTION", "REQUEST_TIMED_OUT"]);

export class ControllerRouter implements ControllerService {
  readonly #rt: Rt;
  readonly #links: ControllerLinks;
  readonly #voters: number[];
  readonly #callTimeoutMs: number;
  readonly #backoffMsMin: number;
  readonly #backoffMsMax: number;
  readonly #attemptTimeoutMs: number;
  #current = 0;
  #closed = false;

  constructor(rt: Rt, links: ControllerLinks, options: ControllerRouterOptions = {}) {
    assert(links.voterIds.length > 0, "a controller router needs voters");
    this.#rt = rt;
    this.#links = links;
    this.#voters = [...links.voterIds].sort((a, b) => a - b);
    this.#callTimeoutMs = options.callTimeoutMs ?? 5_000;
    this.#backoffMsMin = options.backoffMsMin ?? 25;
    this.#backoffMsMax = options.backoffMsMax ?? 400;
    this.#attemptTimeoutMs = options.attemptTimeoutMs ?? 1_000;
  }

  /** The voter the next call goes to first: the one that answered last. */
  get activeGuess(): number {
    return this.#voters[this.#current];
  }

  /** Calls in progress fail at their next attempt. */
  close(): void {
    this.#closed = true;
  }

  registerBroker: ControllerService["registerBroker"] = (r) =>
    this.#call((c) => c.registerBroker(r));
  brokerHeartbeat: ControllerService["brokerHeartbeat"] = (r) =>
    this.#call((c) => c.brokerHeartbeat(r), this.#attemptTimeoutMs);
  fetchMetadata: ControllerService["fetchMetadata"] = (r) =>
    this.#call((c) => c.fetchMetadata(r), r.maxWaitMs + this.#attemptTimeoutMs);
  alterPartition: ControllerService["alterPartition"] = (r) =>
    this.#call((c) => c.alterPartition(r));
  createTopics: ControllerService["createTopics"] = (r) => this.#call((c) => c.createTopics(r));
  deleteTopics: ControllerService["deleteTopics"] = (r) => this.#call((c) => c.deleteTopics(r));
  createPartitions: ControllerService["createPartitions"] = (r) =>
    this.#call((c) => c.createPartitions(r));
  alterTopicConfigs: ControllerService["alterTopicConfigs"] = (r) =>
    this.#call((c) => c.alterTopicConfigs(r));
  allocateProducerIds: ControllerService["allocateProducerIds"] = (r) =>
    this.#call((c) => c.allocateProducerIds(r));
  electLeaders: ControllerService["electLeaders"] = (r) => this.#call((c) => c.electLeaders(r));
  reassignPartitions: ControllerService["reassignPartitions"] = (r) =>
    this.#call((c) => c.reassignPartitions(r));

  receiveRaft(_envelope: RaftEnvelope): void {
    // Raft messages name their receiver; they never go through the router.
    throw new TributaryError("INVALID_REQUEST", "raft messages are addressed to one voter");
  }

  async #call<T>(
    attempt: (controller: ControllerService) => Promise<T>,
    attemptTimeoutMs?: number,
  ): Promise<T> {
    const deadline = this.#rt.clock.nowMs() + this.#callTimeoutMs;
    let backoffMs = this.#backoffMsMin;
    let last: unknown = null;
    // Bounded by the deadline; each round visits every voter once.
    // Voters that did not answer in time, and when: later rounds of this call skip them for
    // attemptTimeoutMs while another voter is left, or every round would spend attemptTimeoutMs on
    // the same hung one. They are tried again after that: a voter that hung through a partition
    // may be the active controller once it heals, and the others only say "not me".
    const silentSinceMs = new Map<number, number>();
    for (let round = 0;; round++) {
      for (let i = 0; i < this.#voters.length; i++) {
        if (this.#closed) {
          throw new TributaryError("BROKER_SHUTTING_DOWN", "the controller router is closed");
        }
        const index = (this.#current + i) % this.#voters.length;
        const since = silentSinceMs.get(index);
        if (
          since !== undefined && silentSinceMs.size < this.#voters.length &&
          this.#rt.clock.nowMs() - since < this.#attemptTimeoutMs
        ) continue;
        try {
          const voterId = this.#voters[index];
          const pending = attempt(this.#links.link(voterId));
          const answer = attemptTimeoutMs === undefined
            ? await pending
            : await this.#within(pending, attemptTimeoutMs, voterId);
          this.#current = index;
          return answer;
        } catch (err) {
          if (!movesOn(err)) throw err;
          if (err instanceof TributaryError && err.code === "REQUEST_TIMED_OUT") {
            silentSinceMs.set(index, this.#rt.clock.nowMs());
          }
          last = err;
        }
      }
      const left = deadline - this.#rt.clock.nowMs();
      if (left <= 0) {
        const why = last instanceof Error ? last.message : String(last);
        throw new TributaryError(
          "NOT_CONTROLLER",
          `no active controller answered within ${this.#callTimeoutMs} ms (${round + 1} rounds; ` +
            `last: ${why})`,
          { cause: last },
        );
      }
      await this.#rt.timers.sleep(Math.min(backoffMs, left));
      backoffMs = Math.min(backoffMs * 2, this.#backoffMsMax);
    }
  }

  /** pending, or REQUEST_TIMED_OUT after ms (the late answer, or failure, is dropped). */
  #within<T>(pending: Promise<T>, ms: number, voterId: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = this.#rt.timers.setTimeout(() => {
        reject(
          new TributaryError(
            "REQUEST_TIMED_OUT",
            `controller ${voterId} did not answer in ${ms} ms`,
          ),
        );
      }, ms);
      pending.then(
        (answer) => {
          timer.cancel();
          resolve(answer);
        },
        (err: unknown) => {
          timer.cancel();
          reject(err);
        },
      );
    });
  }
}

function movesOn(err: unknown): boolean {
  if (err instanceof TributaryError) return MOVE_ON.has(err.code);
  // A connection that failed below the protocol (refused, reset) is a network failure too.
  return err instanceof RuntimeIoError;
}
