// Entry point for Deno and Bun (`deno run -A` / `bun` this file): runs codecHostCheck and
// prints its result as the last line of output.

import { codecHostCheck } from "./codecs-host-check.ts";

console.log(JSON.stringify(await codecHostCheck()));
