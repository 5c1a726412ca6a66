// runtime/memory: a file system held in memory, for brokers that want no disk at all (`serve
// --memory`, `startBroker({ storage: "memory" })`) and as the disk under the simulation.
//
// It is plain storage: POSIX-like semantics and error codes, and the unsynced state of each file
// and directory kept (bounded) so that something above can decide what a power cut would leave.
// It has no crash, fault injection or seeded randomness of its own: runtime/sim layers those on
// top (runtime/sim/fs.ts) and this folder never imports runtime/sim. Like the adapters it is
// handed to src/ as a FileSystem; src/server may import it, nothing else in src/.

export { MemoryFileSystem, type MemoryFileSystemOptions } from "./memory-fs.ts";
