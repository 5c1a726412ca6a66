// The deterministic simulation Runtime: seeded randomness, virtual time, an in-memory disk with
// power cuts, and a network with latency, loss and partitions. See world.ts to start.

export { NodeClock, SIM_EPOCH_MS, VirtualClock } from "./clock.ts";
export type { CrashMode, CrashReport } from "./fs-crash.ts";
export { type MemoryFsFaults, SimFileSystem, type SimFileSystemOptions } from "./fs.ts";
export type { DiskClock, SlowDisk } from "./fs-slow.ts";
export { type SimFetchOptions, SimHttp } from "./http.ts";
export { SimNetwork, type SimNetworkOptions } from "./network.ts";
export { SeededRandom } from "./prng.ts";
export { SimExit, SimProcess, type SimProcessOptions } from "./process.ts";
export { SimProcessTable } from "./process-table.ts";
export { type RunBounds, SimScheduler, SimStopError, type SimStopReason } from "./scheduler.ts";
export { SimTrace } from "./trace.ts";
export { type SimNode, type SimNodeOptions, SimWorld, type SimWorldOptions } from "./world.ts";
