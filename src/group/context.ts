// What the coordinator's operations share, and the writer through which they change state:
// every change is a record, applied to the store at once and handed back to the shell.
import type { Assignor } from "./assignors/index.ts";
import type { GroupCoordinatorConfig } from "./config.ts";
import type { MemberDeadlines } from "./deadlines.ts";
import type { GroupStore } from "./group-store.ts";
import type { ClassicGroups } from "./classic/classic-groups.ts";

export interface CoordinatorContext {
  readonly store: GroupStore;
  readonly deadlines: MemberDeadlines;
  readonly config: GroupCoordinatorConfig;
  readonly assignors: ReadonlyMap<string, Assignor>;
  /** Partition counts of existing topics, as last told by the shell. */
  readonly partitionCounts: Map<string, number>;
  readonly newMemberId: () => string;
  /** The classic (JoinGroup) groups: one group id is one protocol's at a time. */
  readonly classic: ClassicGroups;
}

export { RecordWriter } from "./record-writer.ts";
