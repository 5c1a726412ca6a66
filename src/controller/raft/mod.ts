// The sans-IO Raft core of the controller quorum (docs/controller.md).
export { RaftLog } from "./log.ts";
export { RaftNode } from "./node.ts";
export type * from "./types.ts";
