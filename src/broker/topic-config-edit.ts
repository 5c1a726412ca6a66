// Changing a topic's explicit configs (Kafka's AlterConfigs and IncrementalAlterConfigs): an
// edit is a list of operations applied in order to the explicit set (or to an empty one when it
// replaces the set), then validated as a whole, so a bad value leaves nothing half-applied.
// APPEND and SUBTRACT work on list-valued configs only (here cleanup.policy), starting from the
// value in effect (explicit, else the broker default, else Kafka's).

import { TributaryError } from "../model/errors.ts";
import { isTopicConfigName, normalizeTopicConfigs, TOPIC_CONFIGS } from "./topic-config.ts";

export type TopicConfigOp = "set" | "delete" | "append" | "subtract";

export interface TopicConfigEdit {
  /** AlterConfigs: the ops give the whole explicit set; every config not set goes back. */
  replace: boolean;
  ops: ReadonlyArray<{ name: string; op: TopicConfigOp; value: string | null }>;
}

/** Configs one edit may name (Kafka's request limits are looser; ours is the config count). */
const OPS_MAX = 100;

/** The explicit configs after the edit, canonical; INVALID_CONFIG / INVALID_REQUEST if not. */
export function editTopicConfigs(
  explicit: Readonly<Record<string, string>>,
  edit: TopicConfigEdit,
  inherited: Readonly<Record<string, string>>,
): Record<string, string> {
  if (edit.ops.length > OPS_MAX) {
    throw new TributaryError("INVALID_REQUEST", `at most ${OPS_MAX} configs per resource`);
  }
  const out: Record<string, string> = edit.replace ? {} : { ...explicit };
  const seen = new Set<string>();
  for (const { name, op, value } of edit.ops) {
    if (seen.has(name)) {
      throw new TributaryError("INVALID_REQUEST", `config "${name}" is named twice`);
    }
    seen.add(name);
    if (!isTopicConfigName(name)) {
      throw new TributaryError("INVALID_CONFIG", `unknown topic config "${name}"`);
    }
    if (op === "delete" || (op === "set" && value === null)) {
      delete out[name];
      continue;
    }
    if (value === null) {
      throw new TributaryError("INVALID_CONFIG", `config "${name}": ${op} needs a value`);
    }
    if (op === "set") {
      out[name] = value;
      continue;
    }
    if (TOPIC_CONFIGS[name].kind !== "policy") {
      throw new TributaryError(
        "INVALID_CONFIG",
        `config "${name}" is not a list: ${op} applies to list configs such as cleanup.policy`,
      );
    }
    const current = listOf(out[name] ?? inherited[name] ?? TOPIC_CONFIGS[name].default);
    const given = listOf(value);
    const next = op === "append"
      ? [...current, ...given.filter((v) => !current.includes(v))]
      : current.filter((v) => !given.includes(v));
    out[name] = next.join(",");
  }
  return normalizeTopicConfigs(out);
}

function listOf(value: string): string[] {
  return value.split(",").map((v) => v.trim()).filter((v) => v.length > 0);
}
