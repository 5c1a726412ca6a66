// Shape and bound checks of classic requests: the wire layer decodes untyped input, so nothing
// is trusted before these pass (bad input is an error answer, never a crash).
import type {
  ClassicHeartbeatRequest,
  ClassicJoinRequest,
  ClassicLeaveMember,
  ClassicSyncRequest,
} from "./api.ts";
import type { GroupCoordinatorConfig } from "../config.ts";
import { invalid, validateGroupId } from "../validate.ts";
import { TributaryError } from "../../model/errors.ts";

export function validateJoin(config: GroupCoordinatorConfig, req: ClassicJoinRequest): void {
  validateGroupId(config, req.groupId);
  id(config, "memberId", req.memberId, true);
  instance(config, req.groupInstanceId);
  id(config, "clientId", req.clientId, true);
  id(config, "clientHost", req.clientHost, true);
  if (typeof req.protocolType !== "string" || req.protocolType.length > config.idCharsMax) {
    invalid("protocolType must be a string");
  }
  if (typeof req.requireKnownMemberId !== "boolean") invalid("requireKnownMemberId is a boolean");
  if (!Array.isArray(req.protocols) || req.protocols.length > config.classicProtocolsPerJoinMax) {
    invalid(`protocols must be a list of at most ${config.classicProtocolsPerJoinMax}`);
  }
  let bytes = 0;
  const names = new Set<string>();
  for (const p of req.protocols) {
    if (typeof p !== "object" || p === null) invalid("bad protocol entry");
    id(config, "protocol name", p.name, false);
    if (!(p.metadata instanceof Uint8Array)) invalid("protocol metadata must be bytes");
    if (names.has(p.name)) invalid(`protocol ${p.name} is listed twice`);
    names.add(p.name);
    bytes += p.metadata.length;
  }
  if (bytes > config.classicMetadataBytesMax) {
    invalid(`protocol metadata above ${config.classicMetadataBytesMax} bytes`);
  }
  if (req.protocolType.length === 0 || req.protocols.length === 0) {
    throw new TributaryError(
      "INCONSISTENT_GROUP_PROTOCOL",
      "a join names its protocol type and at least one protocol",
    );
  }
  const session = req.sessionTimeoutMs;
  if (
    !Number.isSafeInteger(session) || session < config.classicSessionTimeoutMsMin ||
    session > config.classicSessionTimeoutMsMax
  ) {
    throw new TributaryError(
      "INVALID_SESSION_TIMEOUT",
      `session timeout must be within ${config.classicSessionTimeoutMsMin}..` +
        `${config.classicSessionTimeoutMsMax} ms`,
    );
  }
  const rebalance = req.rebalanceTimeoutMs;
  if (
    !Number.isSafeInteger(rebalance) || rebalance > config.rebalanceTimeoutMsMax ||
    (rebalance < 1 && rebalance !== -1)
  ) {
    invalid(`rebalance timeout must be within 1..${config.rebalanceTimeoutMsMax} ms (or -1)`);
  }
}

/** JoinGroup v0 has no rebalance timeout: the session timeout stands in. */
export function rebalanceTimeoutOf(req: ClassicJoinRequest): number {
  return req.rebalanceTimeoutMs > 0 ? req.rebalanceTimeoutMs : req.sessionTimeoutMs;
}

export function validateSync(config: GroupCoordinatorConfig, req: ClassicSyncRequest): void {
  validateGroupId(config, req.groupId);
  id(config, "memberId", req.memberId, true);
  instance(config, req.groupInstanceId);
  generation(req.generationId);
  if (req.protocolType !== null) id(config, "protocolType", req.protocolType, true);
  if (req.protocolName !== null) id(config, "protocolName", req.protocolName, true);
  if (!Array.isArray(req.assignments) || req.assignments.length > config.classicMembersPerGroupMax) {
    invalid(`assignments must be a list of at most ${config.classicMembersPerGroupMax}`);
  }
  let bytes = 0;
  for (const a of req.assignments) {
    if (typeof a !== "object" || a === null) invalid("bad assignment entry");
    id(config, "memberId", a.memberId, false);
    if (!(a.assignment instanceof Uint8Array)) invalid("an assignment must be bytes");
    bytes += a.assignment.length;
  }
  if (bytes > config.classicMetadataBytesMax * 16) invalid("assignments too large");
}

export function validateHeartbeatClassic(
  config: GroupCoordinatorConfig,
  req: ClassicHeartbeatRequest,
): void {
  validateGroupId(config, req.groupId);
  id(config, "memberId", req.memberId, true);
  instance(config, req.groupInstanceId);
  generation(req.generationId);
}

export function validateLeave(
  config: GroupCoordinatorConfig,
  groupId: string,
  members: readonly ClassicLeaveMember[],
): void {
  validateGroupId(config, groupId);
  if (!Array.isArray(members) || members.length > config.classicMembersPerGroupMax) {
    invalid(`members must be a list of at most ${config.classicMembersPerGroupMax}`);
  }
  for (const m of members) {
    if (typeof m !== "object" || m === null) invalid("bad member entry");
    id(config, "memberId", m.memberId, true);
    instance(config, m.groupInstanceId);
  }
}

function generation(g: unknown): void {
  if (!Number.isSafeInteger(g) || (g as number) < -1) invalid("bad generation id");
}

function instance(config: GroupCoordinatorConfig, value: unknown): void {
  if (value != null) id(config, "groupInstanceId", value, false);
}

function id(config: GroupCoordinatorConfig, name: string, value: unknown, empty: boolean): void {
  const ok = typeof value === "string" && value.length <= config.idCharsMax &&
    (empty || value.length > 0);
  if (!ok) invalid(`${name} must be a string of at most ${config.idCharsMax} characters`);
}
