// runCli in-process with a captured stdin/stdout/stderr (the CLI suites share it).
import { createNodeRuntime } from "../../runtime/node/mod.ts";
import type { HostProcess, Runtime } from "../../runtime/types.ts";
import { runCli } from "../../src/cli/run.ts";

export const host = createNodeRuntime();

interface Captured {
  rt: Runtime;
  stdout: () => string;
  stderr: () => string;
}

function captured(stdin = ""): Captured {
  let out = "";
  let err = "";
  const decoder = new TextDecoder();
  const text = (d: Uint8Array | string) => (typeof d === "string" ? d : decoder.decode(d));
  const process: HostProcess = {
    ...host.process,
    args: [],
    stdin: new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(stdin));
        controller.close();
      },
    }),
    writeStdout: (d) => Promise.resolve(void (out += text(d))),
    writeStderr: (d) => Promise.resolve(void (err += text(d))),
    stdoutIsTerminal: false,
    onSignal: () => () => undefined,
    exit: (code) => {
      throw new Error(`exit(${code}) must not be called by runCli`);
    },
  };
  return { rt: { ...host, process }, stdout: () => out, stderr: () => err };
}

export async function cli(
  args: string[],
  stdin = "",
): Promise<{ code: number; stdout: string; stderr: string }> {
  const c = captured(stdin);
  const code = await runCli(c.rt, args);
  return { code, stdout: c.stdout(), stderr: c.stderr() };
}
