// Files on Bun. Bun has no positional write API of its own (Bun.file/Bun.write work on whole
// files), so this is the node:fs/promises adapter, which Bun implements natively.
export { createNodeFs as createBunFs } from "../node/fs.ts";
