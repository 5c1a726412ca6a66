// npm run sim -- [--seeds N] [--nodes 3|5] [--base B] [--seed S] [--jobs J]
// Runs the whole-cluster simulation (test/cluster/sim/cluster-sim-suite.ts) for more seeds than
// CI does: seeds B to B+N-1 (default 1 to 50) of each node count (default 3 and 5), every seed
// even after a failure. --jobs splits each range into J parts run as J vitest processes at once
// (default 1). At the end every failed seed is listed with its replay command.
import { spawn } from "node:child_process";

const FILES = {
  3: "test/cluster/sim/cluster-sim-3a.test.ts",
  5: "test/cluster/sim/cluster-sim-5a.test.ts",
};
const JOBS_MAX = 16;
const SEEDS_DEFAULT = 50;
const FAILED_MARK = "SIM_FAILED ";
const USAGE = "usage: npm run sim -- [--seeds N] [--nodes 3|5] [--base B] [--seed S] [--jobs 1-16]";

function usage(why) {
  console.error(`${why}\n${USAGE}`);
  process.exit(2);
}

function parseArgs(args) {
  const options = { seeds: SEEDS_DEFAULT, nodes: null, base: 1, seed: null, jobs: 1 };
  for (let i = 0; i < args.length; i += 2) {
    const name = args[i].replace(/^--/, "");
    const value = args[i + 1];
    if (!(name in options)) usage(`unknown option ${args[i]}`);
    if (value === undefined || !/^\d+$/.test(value)) usage(`--${name} takes a number`);
    options[name] = Number(value);
  }
  if (options.nodes !== null && !(options.nodes in FILES)) usage("--nodes is 3 or 5");
  if (options.jobs < 1 || options.jobs > JOBS_MAX) usage(`--jobs is 1 to ${JOBS_MAX}`);
  if (options.seeds < 1) usage("--seeds is at least 1");
  return options;
}

/** [first, count] parts of base..base+count-1, as even as can be, none empty. */
function split(base, count, parts) {
  const n = Math.min(parts, count);
  const out = [];
  let first = base;
  for (let i = 0; i < n; i++) {
    const size = Math.floor(count / n) + (i < count % n ? 1 : 0);
    out.push([first, size]);
    first += size;
  }
  return out;
}

function jobsOf(options) {
  const nodeCounts = options.nodes === null ? [3, 5] : [options.nodes];
  const jobs = [];
  for (const nodes of nodeCounts) {
    if (options.seed !== null) {
      jobs.push({ nodes, env: { SIM_SEED: String(options.seed) }, label: `seed ${options.seed}` });
      continue;
    }
    for (const [first, count] of split(options.base, options.seeds, options.jobs)) {
      const env = { SIM_SEEDS: String(count), SIM_SEED_BASE: String(first) };
      jobs.push({ nodes, env, label: `seeds ${first}-${first + count - 1}` });
    }
  }
  return jobs;
}

/** Runs one vitest process; resolves with what it reported. */
function runJob(job, live) {
  const env = {
    ...process.env,
    ...job.env,
    SIM_NODES: String(job.nodes),
    SIM_SUMMARY: "1",
    SIM_KEEP_GOING: "1",
    NO_COLOR: "1",
    FORCE_COLOR: "0",
  };
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn("npx", ["vitest", "run", FILES[job.nodes]], { env });
    let output = "";
    const take = (chunk) => {
      output += chunk;
      if (live) process.stdout.write(chunk);
    };
    child.stdout.on("data", take);
    child.stderr.on("data", take);
    child.on("close", (code, signal) => {
      const failures = [];
      let passed = null;
      for (const line of output.split("\n")) {
        const at = line.indexOf(FAILED_MARK);
        if (at >= 0) failures.push(JSON.parse(line.slice(at + FAILED_MARK.length)));
        const totals = line.match(/\d nodes: passed (\{.*\})/);
        if (totals !== null) passed = JSON.parse(totals[1]).seeds;
      }
      resolve({
        job,
        code,
        signal,
        failures,
        passed,
        output,
        seconds: (Date.now() - started) / 1000,
      });
    });
  });
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const jobs = jobsOf(options);
  const live = options.jobs === 1;
  const queue = [...jobs];
  const results = [];
  const worker = async () => {
    for (let job = queue.shift(); job !== undefined; job = queue.shift()) {
      const result = await runJob(job, live);
      results.push(result);
      const { failures, passed, seconds } = result;
      console.log(
        `${job.nodes} nodes ${job.label}: ${passed ?? "?"} passed, ${failures.length} failed` +
          ` (${seconds.toFixed(0)} s)`,
      );
    }
  };
  const started = Date.now();
  await Promise.all(Array.from({ length: Math.min(options.jobs, jobs.length) }, worker));

  let seeds = 0;
  const failures = [];
  const broken = [];
  for (const r of results) {
    seeds += (r.passed ?? 0) + r.failures.length;
    failures.push(...r.failures);
    // A process that failed without naming a failed seed broke on its own (a crash, a timeout).
    if (r.passed === null || (r.code !== 0 && r.failures.length === 0)) broken.push(r);
  }
  failures.sort((a, b) => a.nodeCount - b.nodeCount || a.seed - b.seed);
  const minutes = ((Date.now() - started) / 60_000).toFixed(1);
  console.log(
    `\n${seeds} seeds in ${minutes} min: ${
      seeds - failures.length
    } passed, ${failures.length} failed`,
  );
  for (const f of failures) console.log(`\n${f.first}\n  replay: ${f.replay}`);
  for (const r of broken) {
    const tail = r.output.trimEnd().split("\n").slice(-20).join("\n    ");
    console.log(
      `\n${r.job.nodes} nodes ${r.job.label}: vitest exited ${r.code ?? r.signal}:\n    ${tail}`,
    );
  }
  process.exit(failures.length > 0 || broken.length > 0 ? 1 : 0);
}

await main();
