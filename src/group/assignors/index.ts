// The assignors a coordinator offers by default; "sticky" is the default one.
import type { Assignor } from "./assignor.ts";
import { rangeAssignor } from "./range.ts";
import { roundRobinAssignor } from "./round-robin.ts";
import { stickyAssignor } from "./sticky.ts";

export type { AssignmentSpec, Assignor, AssignorMember } from "./assignor.ts";
export { compareMembers } from "./assignor.ts";
export { rangeAssignor, roundRobinAssignor, stickyAssignor };

export const DEFAULT_ASSIGNOR = "sticky";

export function builtInAssignors(): Assignor[] {
  return [stickyAssignor, rangeAssignor, roundRobinAssignor];
}
