// `import { startBroker, Producer, Consumer, Admin } from "tributary"` under node, deno and bun
// (all three run the build: see package.json exports): an embedded broker, ten records through
// it, and a clean exit.
import { spawnSync } from "node:child_process";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { hosts, requireHost } from "./broker-process.ts";

const root = resolve(import.meta.dirname, "../..");
const script = join(root, "test/e2e/fixtures/embedded-smoke.mjs");
const commands = {
  node: [process.execPath, script],
  deno: [join(root, "node_modules/.bin/deno"), "run", "-A", "--quiet", script],
  bun: [join(root, "node_modules/.bin/bun"), "run", script],
} as const;

describe("the package entry point", () => {
  for (const host of hosts) {
    requireHost(host);
    it(
      `works when imported as "tributary" under ${host}`,
      () => {
        const [command, ...args] = commands[host];
        const result = spawnSync(command, args, {
          cwd: root,
          encoding: "utf8",
          timeout: 60_000,
          env: { ...process.env, NO_COLOR: "1" },
        });
        expect(result.stderr).toBe("");
        expect(result.stdout.trim()).toBe(`ok 10 ${host}`);
        expect(result.status).toBe(0);
      },
    );
  }
});
