// The import rules of docs/architecture.md, one entry per rule there (same names), for the
// target layout of issue 10. A pattern ending in "/" is a folder and everything under it; any
// other pattern is one file, or a package with its subpaths ("cbor-x" covers "cbor-x/decode").
// Imports inside a file's own layer unit (see unitOf in graph.ts) are always allowed; the cycle
// checks police those.

export interface LayerRule {
  /** The name docs/architecture.md gives the rule. */
  name: string;
  from: string[];
  except?: string[];
  mayNotImport?: string[];
  /** Nothing else outside the file's own unit. */
  mayImportOnly?: string[];
  /** Allowed only as `import type` / `export type` (erased, so no code is loaded). */
  typeOnlyAllowed?: string[];
  why: string;
}

const ROOTS = ["src/main.ts", "src/index.ts"];
const LEAVES = ["src/version.ts"];
const RUNTIME_TYPES = "runtime/types.ts";
const ADAPTERS = ["runtime/node/", "runtime/deno/", "runtime/bun/", "runtime/host/"];
const PRODUCTION_RUNTIME = [RUNTIME_TYPES, "runtime/load.ts", ...ADAPTERS, "runtime/memory/"];
const FACES = ["src/http/", "src/protocol/cbor/", "src/protocol/kafka/"];
const CODEC_FACES = ["src/protocol/cbor/", "src/protocol/kafka/"];
const BELOW_BROKER = ["src/model/", "src/logging/", "src/metrics/", ...LEAVES, RUNTIME_TYPES];

const facesApart: LayerRule[] = FACES.map((face) => ({
  name: "faces-apart",
  from: [face],
  mayNotImport: FACES.filter((other) => other !== face),
  why: "a face (HTTP, CBOR, Kafka) is added, changed or left out without touching another",
}));

const codecsWithoutServer: LayerRule[] = CODEC_FACES.map((face) => ({
  name: "codec-without-server",
  from: [face],
  except: [`${face}server/`],
  mayNotImport: ["src/broker/", "src/coordinator/", "src/metadata/", `${face}server/`],
  why: "the client bundles the codec, so it may hold nothing the client may not",
}));

export const LAYER_RULES: LayerRule[] = [
  {
    name: "runtime-below-src",
    from: ["runtime/"],
    mayNotImport: ["src/"],
    why: "the Runtime is the floor: adapters stand and are tested alone, and src/ imports " +
      "runtime/types.ts without a circle",
  },
  {
    name: "production-runtime-without-sim",
    from: PRODUCTION_RUNTIME,
    mayNotImport: ["runtime/sim/", "runtime/conformance/"],
    why: "what a real broker loads carries no simulator or test suite; runtime/sim builds on " +
      "runtime/memory, not the reverse",
  },
  {
    name: "adapters-at-roots",
    from: ["src/"],
    except: ROOTS,
    mayNotImport: ["runtime/load.ts", ...ADAPTERS, "runtime/conformance/"],
    why: "src/ runs on whatever Runtime it is handed (a host's, the simulator's, a test's); " +
      "only the composition roots pick the host's",
  },
  {
    name: "no-sim-in-src",
    from: ["src/"],
    mayNotImport: ["runtime/sim/"],
    why: "production code never needs the simulator",
  },
  {
    name: "memory-fs-in-composition",
    from: ["src/"],
    except: ["src/server/"],
    mayNotImport: ["runtime/memory/"],
    why: "in-memory storage is chosen where the broker is put together; everything else " +
      "takes its FileSystem from the Runtime, so the simulator can swap it",
  },
  {
    name: "model-self-contained",
    from: ["src/model/"],
    mayImportOnly: [],
    // Interfaces such as Random are erased at build time: nothing is bundled for them.
    typeOnlyAllowed: [RUNTIME_TYPES],
    why: "client, codecs and broker all share the model, so whatever it imported every one " +
      "of them (and a browser bundle of the client) would carry",
  },
  {
    name: "leaves",
    from: LEAVES,
    mayImportOnly: [...LEAVES, "src/model/"],
    typeOnlyAllowed: [RUNTIME_TYPES],
    why: "imported from every layer, so they can pull nothing in",
  },
  {
    name: "logging-metrics-low",
    from: ["src/logging/", "src/metrics/"],
    mayImportOnly: ["src/model/", ...LEAVES, RUNTIME_TYPES],
    why: "every layer logs and counts; reaching up would tie each layer to the ones above it",
  },
  {
    name: "log-stands-alone",
    from: ["src/log/"],
    // The codec packages are pure JS / wasm, so the engine still runs under every runtime.
    mayImportOnly: [
      "src/model/",
      "src/logging/",
      ...LEAVES,
      RUNTIME_TYPES,
      "snappyjs",
      "lz4js",
      "@bokuweb/zstd-wasm",
    ],
    why: "the replica manager, the metadata log and the tools use the storage engine without " +
      "a broker, and the client bundles its batch codec",
  },
  {
    name: "metadata-over-log",
    from: ["src/metadata/"],
    mayImportOnly: ["src/log/", ...BELOW_BROKER, "cbor-x"],
    why: "the metadata image is what the controller will replicate; it cannot depend on the " +
      "broker that applies it",
  },
  {
    name: "sans-io-state-machines",
    from: ["src/group/", "src/controller/"],
    // cbor-x is a pure codec (the group's records for the offsets log); it does no I/O.
    mayImportOnly: ["src/model/", ...LEAVES, "cbor-x"],
    typeOnlyAllowed: [RUNTIME_TYPES],
    why: "step(event, nowMs) -> effects: the simulator and model-based tests drive them event " +
      "by event with no I/O, and the client reuses the group's assignors",
  },
  {
    name: "replication-over-log",
    from: ["src/replication/"],
    mayNotImport: ["src/broker/", "src/coordinator/", "src/client/", ...FACES],
    why: "the replica manager works on partition logs through append-with-offsets, " +
      "truncate-to and the high watermark; the broker calls it, not the reverse",
  },
  {
    name: "broker-over-storage",
    from: ["src/broker/"],
    mayImportOnly: ["src/log/", "src/metadata/", "src/replication/", ...BELOW_BROKER],
    why: "the broker is the one engine every face and the coordinator drive; it knows none of them",
  },
  {
    name: "cluster-drivers",
    from: ["src/cluster/"],
    mayNotImport: [
      "src/coordinator/",
      "src/client/",
      "src/http/",
      ...CODEC_FACES.map((face) => `${face}server/`),
    ],
    why: "the controller's Raft driver and a broker's membership in the cluster talk to peers " +
      "through the codecs and drive broker and controller; the faces serve them, not the reverse",
  },
  {
    name: "coordinator-below-faces",
    from: ["src/coordinator/"],
    mayNotImport: ["src/client/", ...FACES],
    why: "the coordinator drives the group state machine over the broker's log; faces call it",
  },
  {
    name: "security-below-faces",
    from: ["src/security/"],
    mayNotImport: ["src/broker/", "src/coordinator/", "src/client/", ...FACES],
    why: "every face calls the same authenticator and authorizer, so they can know no face",
  },
  ...facesApart,
  ...codecsWithoutServer,
  {
    name: "client-without-server",
    from: ["src/client/"],
    mayNotImport: [
      "src/broker/",
      "src/coordinator/",
      "src/metadata/",
      "src/http/",
      "src/server/",
      ...CODEC_FACES.map((face) => `${face}server/`),
    ],
    why: "the client is bundled for a browser or another runtime without the broker, and a " +
      "broker change cannot break it",
  },
  {
    name: "args-low",
    from: ["src/args/"],
    mayImportOnly: ["src/model/", ...LEAVES],
    why: "the flag parser serves the CLI and the load generator alike, so it knows neither",
  },
  {
    name: "composition-over-layers",
    from: ["src/"],
    except: ["src/server/", "src/cli/", "src/perf/", ...ROOTS],
    mayNotImport: ["src/server/"],
    why: "src/server wires every layer together; a layer importing it would import them all",
  },
  {
    name: "tools-on-top",
    from: ["src/"],
    except: ["src/cli/", "src/perf/", ...ROOTS],
    mayNotImport: ["src/cli/", "src/perf/"],
    why: "an embedder starts a broker or a client without the command line",
  },
  {
    name: "roots-on-top",
    from: ["src/"],
    mayNotImport: ROOTS,
    why: "the roots load the host Runtime when imported; nothing else may trigger that",
  },
];
