// A scripted ClassicGroupsApi for the Kafka group handler tests: it records every call (with
// the abort signal it was given), answers a join from the request itself (one-member groups:
// the joiner leads), can hold joins until the test releases them, and throws a queued
// TributaryError for the next call of a method. No state machine: the coordinator's own tests
// cover rebalancing; these cover what the wire makes of it.
import type {
  ClassicCommitRequest,
  ClassicGroupsApi,
  ClassicHeartbeatRequest,
  ClassicJoinRequest,
  ClassicJoinResponse,
  ClassicLeaveMember,
  ClassicLeaveResult,
  ClassicSyncRequest,
  ClassicSyncResponse,
  KafkaGroupDescription,
  KafkaGroupListing,
} from "../../../../src/coordinator/classic-types.ts";
import { type ErrorCodeName, TributaryError } from "../../../../src/model/errors.ts";

type Method = keyof ClassicGroupsApi;

export interface HeldJoin {
  req: ClassicJoinRequest;
  signal: AbortSignal | undefined;
  release(): void;
}

export class FakeClassicGroups implements ClassicGroupsApi {
  readonly calls: Array<{ method: Method; req: unknown }> = [];
  readonly held: HeldJoin[] = [];
  holdJoins = false;
  listings: KafkaGroupListing[] = [];
  descriptions = new Map<string, KafkaGroupDescription>();
  /** Per-member results of the next leave; default: every member left. */
  leaveErrors = new Map<string, string>();
  readonly #failures = new Map<Method, TributaryError[]>();

  /** The next call of `method` throws `code`. */
  failNext(method: Method, code: ErrorCodeName): void {
    const queue = this.#failures.get(method) ?? [];
    queue.push(new TributaryError(code, `scripted ${code}`));
    this.#failures.set(method, queue);
  }

  #enter(method: Method, req: unknown): void {
    this.calls.push({ method, req });
    const failure = this.#failures.get(method)?.shift();
    if (failure !== undefined) throw failure;
  }

  async joinGroup(req: ClassicJoinRequest, signal?: AbortSignal): Promise<ClassicJoinResponse> {
    this.#enter("joinGroup", req);
    if (req.requireKnownMemberId && req.memberId === "") {
      return { ...this.#joined(req, "m-1"), error: "MEMBER_ID_REQUIRED", generationId: -1 };
    }
    if (this.holdJoins) {
      await new Promise<void>((resolve, reject) => {
        this.held.push({ req, signal, release: resolve });
        signal?.addEventListener("abort", () => reject(signal.reason), { once: true });
      });
    }
    return this.#joined(req, req.memberId === "" ? "m-1" : req.memberId);
  }

  #joined(req: ClassicJoinRequest, memberId: string): ClassicJoinResponse {
    const chosen = req.protocols[0];
    return {
      error: null,
      generationId: 1,
      protocolType: req.protocolType,
      protocolName: chosen?.name ?? "",
      leader: memberId,
      memberId,
      members: [{
        memberId,
        groupInstanceId: req.groupInstanceId,
        metadata: chosen?.metadata ?? new Uint8Array(0),
      }],
      skipAssignment: false,
    };
  }

  async syncGroup(req: ClassicSyncRequest): Promise<ClassicSyncResponse> {
    this.#enter("syncGroup", req);
    const own = req.assignments.find((a) => a.memberId === req.memberId);
    return {
      protocolType: "consumer",
      protocolName: "range",
      assignment: own?.assignment ?? new Uint8Array(0),
    };
  }

  async heartbeatClassic(req: ClassicHeartbeatRequest): Promise<void> {
    this.#enter("heartbeatClassic", req);
  }

  async leaveGroupClassic(
    groupId: string,
    members: readonly ClassicLeaveMember[],
  ): Promise<ClassicLeaveResult[]> {
    this.#enter("leaveGroupClassic", { groupId, members });
    return members.map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      error: this.leaveErrors.get(m.memberId) ?? null,
    }));
  }

  async commitOffsetsClassic(req: ClassicCommitRequest): Promise<void> {
    this.#enter("commitOffsetsClassic", req);
  }

  listGroupsKafka(): KafkaGroupListing[] {
    this.#enter("listGroupsKafka", null);
    return this.listings;
  }

  describeGroupKafka(groupId: string): KafkaGroupDescription {
    this.#enter("describeGroupKafka", groupId);
    return this.descriptions.get(groupId) ??
      { groupId, state: "Dead", protocolType: "", protocolName: "", members: [] };
  }
}
