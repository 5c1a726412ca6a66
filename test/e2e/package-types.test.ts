// The package as npm ships it: `npm pack`, unpacked into a temporary project's node_modules (its
// dependencies linked from this repository's install, so nothing is downloaded), then a small
// user program is type-checked with Node's `nodenext` resolution and with `deno check`, and the
// installed package is imported under node, deno and bun. A second program with a deliberate type
// error must fail both checks, so a package whose types resolve to `any` cannot pass.
import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hosts, requireHost } from "./broker-process.ts";

const root = resolve(import.meta.dirname, "../..");
const bin = (name: string) => join(root, "node_modules/.bin", name);
const STEP_TIMEOUT_MS = 60_000;

const userProgram = `import { Admin, Consumer, Producer, startBroker } from "tributary";
import type {
  ConsumerRecord,
  RecordMetadata,
  RunningBroker,
  StartBrokerOptions,
  TopicDescription,
} from "tributary";

const options: StartBrokerOptions = { storage: "memory", port: 0, httpPort: 0 };
const broker: RunningBroker = await startBroker(options);
const admin = new Admin({ bootstrap: broker.bootstrap });
await admin.createTopic("t", { partitions: 1 });
const described: TopicDescription = await admin.describeTopic("t");
const producer = new Producer({ bootstrap: broker.bootstrap });
const sent: RecordMetadata = await producer.send({ topic: "t", key: "k", value: "v" });
const consumer = new Consumer({ bootstrap: broker.bootstrap, autoOffsetReset: "earliest" });
consumer.assign([{ topic: "t", partition: 0 }]);
const records: ConsumerRecord[] = await consumer.poll({ timeoutMs: 100 });
const offset: number = sent.offset;
console.log(offset, records.length, described.name);
await Promise.all([consumer.close(), producer.close(), admin.close()]);
await broker.close();
`;

// The same program with one wrong type: a port given as a string.
const badProgram = userProgram.replace("port: 0, httpPort: 0", 'port: "9093", httpPort: 0');

interface Run {
  status: number | null;
  stdout: string;
  output: string;
}

function run(command: string, args: string[], cwd: string): Run {
  const result = spawnSync(command, args, {
    cwd,
    encoding: "utf8",
    timeout: STEP_TIMEOUT_MS,
    env: { ...process.env, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
  });
  return {
    status: result.status,
    stdout: result.stdout,
    output: `${result.stdout}${result.stderr}`,
  };
}

let work = "";
let project = "";
let packed: string[] = [];

beforeAll(() => {
  requireHost("node");
  work = mkdtempSync(join(tmpdir(), "tributary-pack-"));
  const pack = run("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", work], root);
  if (pack.status !== 0) throw new Error(`npm pack failed:\n${pack.output}`);
  const [info] = JSON.parse(pack.stdout) as {
    filename: string;
    files: { path: string }[];
  }[];
  packed = info.files.map((f) => f.path);

  project = join(work, "project");
  const installed = join(project, "node_modules/tributary");
  mkdirSync(installed, { recursive: true });
  const untar = run("tar", [
    "xzf",
    join(work, info.filename),
    "-C",
    installed,
    "--strip-components=1",
  ], root);
  if (untar.status !== 0) throw new Error(`tar failed:\n${untar.output}`);
  // The package's dependencies, linked from this repository's install (no network needed).
  const manifest = JSON.parse(readFileSync(join(installed, "package.json"), "utf8")) as {
    dependencies: Record<string, string>;
  };
  for (const dep of Object.keys(manifest.dependencies)) {
    const link = join(project, "node_modules", dep);
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(join(root, "node_modules", dep), link, "dir");
  }
  writeFileSync(
    join(project, "package.json"),
    JSON.stringify({
      name: "user",
      private: true,
      type: "module",
      dependencies: { tributary: "*" },
    }),
  );
  writeFileSync(join(project, "deno.json"), JSON.stringify({ nodeModulesDir: "manual" }));
  writeFileSync(join(project, "good.ts"), userProgram);
  writeFileSync(join(project, "bad.ts"), badProgram);
  copyFileSync(join(root, "test/e2e/fixtures/embedded-smoke.mjs"), join(project, "smoke.mjs"));
}, STEP_TIMEOUT_MS);

afterAll(() => {
  if (work !== "") rmSync(work, { recursive: true, force: true });
});

const tscArgs = (file: string) => [
  "--module",
  "nodenext",
  "--moduleResolution",
  "nodenext",
  "--strict",
  "--noEmit",
  file,
];

describe("the packed package", () => {
  it("ships the build and its declarations, no tests and no TypeScript sources", () => {
    expect(packed).toContain("dist/src/index.js");
    expect(packed).toContain("dist/src/index.d.ts");
    expect(packed).toContain("dist/main.js");
    expect(packed).toContain("dist/src/main.js"); // what the `tributary` bin imports
    expect(packed).toContain("dist/runtime/deno/mod.js");
    expect(packed).toContain("dist/runtime/bun/mod.js");
    expect(packed.filter((p) => p.startsWith("test/") || p.includes(".test."))).toEqual([]);
    expect(packed.filter((p) => p.endsWith(".ts") && !p.endsWith(".d.ts"))).toEqual([]);
    expect(packed.filter((p) => p.startsWith("dist/bench/"))).toEqual([]);
  });

  it("type-checks a user program under tsc --module nodenext --strict", () => {
    const result = run(bin("tsc"), tscArgs("good.ts"), project);
    expect(result.output).toBe("");
    expect(result.status).toBe(0);
  }, STEP_TIMEOUT_MS);

  it("refuses a user program with a type error under tsc", () => {
    const result = run(bin("tsc"), tscArgs("bad.ts"), project);
    expect(result.status).not.toBe(0);
    expect(result.output).toMatch(
      /bad\.ts\(\d+,\d+\): error TS2322: Type 'string' is not assignable to type 'number'/,
    );
    expect(result.output.split("\n").filter((l) => l.includes("error TS"))).toHaveLength(1);
  }, STEP_TIMEOUT_MS);

  it("type-checks the user program under deno check (nodeModulesDir: manual)", () => {
    requireHost("deno");
    const result = run(bin("deno"), ["check", "good.ts"], project);
    expect(result.output.trim()).toBe("Check good.ts");
    expect(result.status).toBe(0);
  }, STEP_TIMEOUT_MS);

  it("refuses the program with a type error under deno check", () => {
    requireHost("deno");
    const result = run(bin("deno"), ["check", "bad.ts"], project);
    expect(result.status).not.toBe(0);
    expect(result.output).toContain("TS2322");
    expect(result.output).toContain("bad.ts");
  }, STEP_TIMEOUT_MS);

  const commands = {
    node: [process.execPath, "smoke.mjs"],
    deno: [bin("deno"), "run", "-A", "--quiet", "smoke.mjs"],
    bun: [bin("bun"), "run", "smoke.mjs"],
  } as const;
  for (const host of hosts) {
    it(`runs from node_modules under ${host}`, () => {
      requireHost(host);
      const [command, ...args] = commands[host];
      const result = run(command, [...args], project);
      expect(result.output.trim()).toBe(`ok 10 ${host}`);
      expect(result.status).toBe(0);
    }, STEP_TIMEOUT_MS);
  }
});
