// The Debian Kafka clients the Kafka-listener suites drive: kcat (librdkafka) and kafka-python
// (`python3-kafka`) and confluent-kafka (`python3-confluent-kafka`), for Debian's
// /usr/bin/python3. Missing ones are installed with apt-get;
// only where that is impossible (not root, no apt) does a suite skip, saying why.
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

export const PYTHON = "/usr/bin/python3";
const PACKAGES = ["kcat", "python3-kafka", "python3-confluent-kafka"];
const INSTALL_MS_MAX = 300_000;

function present(): boolean {
  const kcat = spawnSync("kcat", ["-V"], { stdio: "ignore" }).status === 0;
  const kafka = existsSync(PYTHON) &&
    spawnSync(PYTHON, ["-c", "import kafka, confluent_kafka"], { stdio: "ignore" }).status === 0;
  return kcat && kafka;
}

/** null when kcat and kafka-python are there (installing them if needed), else why not. */
export function ensureKafkaClients(): string | null {
  if (present()) return null;
  if (spawnSync("apt-get", ["--version"], { stdio: "ignore" }).status !== 0) {
    return "kcat/python3-kafka missing and apt-get is not available to install them";
  }
  const root = process.getuid?.() === 0;
  const command = root ? "apt-get" : "sudo";
  const args = root ? [] : ["-n", "apt-get"];
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  let r = spawnSync(command, [...args, "install", "-y", ...PACKAGES], {
    env,
    timeout: INSTALL_MS_MAX,
    encoding: "utf8",
  });
  if (r.status !== 0) {
    spawnSync(command, [...args, "update"], { env, timeout: INSTALL_MS_MAX });
    r = spawnSync(command, [...args, "install", "-y", ...PACKAGES], {
      env,
      timeout: INSTALL_MS_MAX,
      encoding: "utf8",
    });
  }
  if (present()) return null;
  return `apt-get install ${PACKAGES.join(" ")} failed: ${(r.stderr ?? "").slice(-300)}`;
}

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a client command to completion, killed after timeoutMs. */
export function runClient(command: string, args: string[], timeoutMs = 30_000): Promise<Run> {
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      resolve({ code: signal ? -1 : code, stdout, stderr });
    });
  });
}
