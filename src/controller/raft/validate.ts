// Shape checks for a message from a peer, before any rule looks at it: a message that breaks
// them (a codec bug, a peer from another build) is dropped and reported, never allowed to trip an
// invariant of this node. Raft's own rules (terms, log matching) are not checked here.
import type { RaftMessage } from "./types.ts";

function index(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0;
}

/** Why the message is malformed, or null when its fields are well-formed. */
export function malformedReason(message: RaftMessage): string | null {
  if (!index(message.term)) return "term is not a non-negative integer";
  switch (message.type) {
    case "preVote":
    case "vote":
      if (!index(message.lastLogIndex) || !index(message.lastLogTerm)) {
        return "bad last log position";
      }
      if (message.lastLogTerm > message.term) return "last log term above the message term";
      return null;
    case "preVoteResponse":
    case "voteResponse":
      return typeof message.granted === "boolean" ? null : "granted is not a boolean";
    case "append": {
      if (!index(message.prevLogIndex) || !index(message.prevLogTerm)) return "bad previous entry";
      if (!index(message.leaderCommit)) return "bad leader commit";
      let term = message.prevLogTerm;
      for (const entry of message.entries) {
        if (!index(entry.term) || entry.term < term || entry.term > message.term) {
          return "entry terms must rise from prevLogTerm to the message term";
        }
        if (entry.data !== null && !(entry.data instanceof Uint8Array)) return "bad entry data";
        term = entry.term;
      }
      return message.prevLogTerm <= message.term ? null : "previous term above the message term";
    }
    case "appendResponse":
      if (!index(message.matchIndex) || !index(message.rejectedIndex)) return "bad index";
      if (!index(message.conflictIndex)) return "bad conflict index";
      if (message.conflictTerm !== null && !index(message.conflictTerm)) return "bad conflict term";
      return null;
    case "installSnapshot":
      if (!index(message.lastIndex) || !index(message.lastTerm)) return "bad snapshot position";
      if (message.lastTerm > message.term) return "snapshot term above the message term";
      return message.data instanceof Uint8Array ? null : "snapshot data is not bytes";
    default:
      return "unknown message type";
  }
}
