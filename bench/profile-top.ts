// Summarises a V8 .cpuprofile (node --cpu-prof, deno run --cpu-prof): the functions with the
// most self time, and self time per source file. Used to find what dominates a hot path.
//
//   node dist/bench/profile-top.js FILE.cpuprofile [top=25]

import { readFileSync } from "node:fs";

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

export function topFunctions(profile: Profile, top: number): string {
  const selfUs = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  let total = 0;
  for (const node of profile.nodes) {
    const us = selfUs.get(node.id) ?? 0;
    total += us;
    const file = node.callFrame.url.replace(/^.*\/(dist|src|node_modules|runtime)\//, "$1/") ||
      "(native)";
    const key = `${node.callFrame.functionName || "(anonymous)"} ${file}:${
      node.callFrame.lineNumber + 1
    }`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
    byFile.set(file, (byFile.get(file) ?? 0) + us);
  }
  const fmt = (entries: Map<string, number>) =>
    [...entries].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, us]) =>
      `${((us / total) * 100).toFixed(1).padStart(5)}%  ${k}`
    ).join("\n");
  return `total ${(total / 1e6).toFixed(2)} s sampled\n-- self time by function --\n${
    fmt(byFunction)
  }\n-- self time by file --\n${fmt(byFile)}`;
}

if (process.argv[1]?.endsWith("profile-top.js")) {
  const profile = JSON.parse(readFileSync(process.argv[2], "utf8")) as Profile;
  console.log(topFunctions(profile, Number(process.argv[3] ?? 25)));
}
