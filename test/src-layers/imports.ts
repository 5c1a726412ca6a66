// Reads the module specifiers a TypeScript file imports, without a TypeScript parser: a small
// tokenizer drops comments and keeps string literals, so an import written inside a comment or
// a string is not mistaken for a real one.

export interface ImportRef {
  specifier: string;
  /** Erased at runtime: `import type ...` or `export type ... from`. */
  typeOnly: boolean;
  line: number;
}

type Token =
  | { kind: "word"; text: string; line: number }
  | { kind: "string"; text: string; line: number }
  | { kind: "punct"; text: string; line: number };

// After one of these a `/` starts a regular expression, not a division.
const REGEX_AFTER_PUNCT = new Set("(,=:[!&|?{};+-*%<>~^".split(""));
const REGEX_AFTER_WORD = new Set(["return", "typeof", "case", "do", "else", "in", "of", "void"]);

function isWordChar(ch: string): boolean {
  return /[\w$]/.test(ch);
}

/** Splits source into words, string literals and punctuation; comments and templates vanish. */
export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  // One entry per open `${`: the brace depth inside that template expression.
  const templateDepths: number[] = [];
  let line = 1;
  let i = 0;
  const n = source.length;

  const regexAllowed = (): boolean => {
    const last = tokens[tokens.length - 1];
    if (last === undefined) return true;
    if (last.kind === "punct") return REGEX_AFTER_PUNCT.has(last.text);
    if (last.kind === "word") return REGEX_AFTER_WORD.has(last.text);
    return false;
  };

  // Skips a template literal body from just after "`" (or after the "}" closing a `${`).
  const skipTemplate = (): void => {
    while (i < n) {
      const ch = source[i];
      if (ch === "\\") {
        i += 2;
      } else if (ch === "`") {
        i++;
        return;
      } else if (ch === "$" && source[i + 1] === "{") {
        i += 2;
        templateDepths.push(0);
        return;
      } else {
        if (ch === "\n") line++;
        i++;
      }
    }
  };

  while (i < n) {
    const ch = source[i];
    const next = source[i + 1];
    if (ch === "\n") {
      line++;
      i++;
    } else if (/\s/.test(ch)) {
      i++;
    } else if (ch === "/" && next === "/") {
      while (i < n && source[i] !== "\n") i++;
    } else if (ch === "/" && next === "*") {
      const end = source.indexOf("*/", i + 2);
      const stop = end === -1 ? n : end + 2;
      for (let k = i; k < stop; k++) if (source[k] === "\n") line++;
      i = stop;
    } else if (ch === '"' || ch === "'") {
      const start = line;
      let text = "";
      i++;
      while (i < n && source[i] !== ch && source[i] !== "\n") {
        if (source[i] === "\\") {
          text += source[i + 1] ?? "";
          i += 2;
        } else {
          text += source[i++];
        }
      }
      i++;
      tokens.push({ kind: "string", text, line: start });
    } else if (ch === "`") {
      i++;
      skipTemplate();
      tokens.push({ kind: "string", text: "", line });
    } else if (ch === "/" && regexAllowed()) {
      let inClass = false;
      i++;
      while (i < n && source[i] !== "\n") {
        const c = source[i];
        if (c === "\\") i++;
        else if (c === "[") inClass = true;
        else if (c === "]") inClass = false;
        else if (c === "/" && !inClass) break;
        i++;
      }
      i++;
      while (i < n && isWordChar(source[i])) i++;
      tokens.push({ kind: "string", text: "", line });
    } else if (isWordChar(ch)) {
      let j = i;
      while (j < n && isWordChar(source[j])) j++;
      tokens.push({ kind: "word", text: source.slice(i, j), line });
      i = j;
    } else {
      if (templateDepths.length > 0) {
        const top = templateDepths.length - 1;
        if (ch === "{") templateDepths[top]++;
        if (ch === "}") {
          if (templateDepths[top] === 0) {
            templateDepths.pop();
            i++;
            skipTemplate();
            continue;
          }
          templateDepths[top]--;
        }
      }
      tokens.push({ kind: "punct", text: ch, line });
      i++;
    }
  }
  return tokens;
}

// Statements longer than this many tokens are not import clauses; stops a runaway scan.
const CLAUSE_TOKENS_MAX = 400;

/** Index of the string after the `from` that ends the clause starting at `start`, or -1. */
function fromIndex(tokens: Token[], start: number): number {
  const end = Math.min(tokens.length - 1, start + CLAUSE_TOKENS_MAX);
  for (let k = start; k < end; k++) {
    const t = tokens[k];
    if (t.kind === "punct" && t.text === ";") return -1;
    // A new statement began (a clause without `from` and without a semicolon before it).
    if (k > start && (isWord(t, "import") || isWord(t, "export"))) return -1;
    if (t.kind === "word" && t.text === "from" && tokens[k + 1].kind === "string") return k + 1;
  }
  return -1;
}

function isWord(t: Token | undefined, text: string): boolean {
  return t !== undefined && t.kind === "word" && t.text === text;
}

function isPunct(t: Token | undefined, text: string): boolean {
  return t !== undefined && t.kind === "punct" && t.text === text;
}

// `import type X from`, `import type { } from`, `import type * as`, but not a default import
// that happens to be named `type` (`import type from "x"`, `import type, { a } from "x"`).
function typeModifierAt(tokens: Token[], k: number): boolean {
  if (!isWord(tokens[k], "type")) return false;
  const after = tokens[k + 1];
  if (after === undefined) return false;
  if (isWord(after, "from") && tokens[k + 2]?.kind === "string") return false;
  return !isPunct(after, ",");
}

/**
 * Every static `import`/`export ... from`, side-effect `import "x"` and dynamic `import("x")`
 * with a literal specifier. `import { type A } from` loads the module under
 * verbatimModuleSyntax, so only the `import type` / `export type` forms count as type-only.
 */
export function extractImports(source: string): ImportRef[] {
  const tokens = tokenize(source);
  const refs: ImportRef[] = [];
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k];
    if (t.kind !== "word" || isPunct(tokens[k - 1], ".")) continue;
    const next = tokens[k + 1];
    if (t.text === "import") {
      if (next === undefined || isPunct(next, ".")) continue;
      if (next.kind === "string") {
        refs.push({ specifier: next.text, typeOnly: false, line: t.line });
      } else if (isPunct(next, "(")) {
        const arg = tokens[k + 2];
        if (arg?.kind === "string" && arg.text !== "" && isPunct(tokens[k + 3], ")")) {
          refs.push({ specifier: arg.text, typeOnly: false, line: t.line });
        }
      } else {
        const at = fromIndex(tokens, k + 1);
        if (at !== -1) {
          refs.push({
            specifier: tokens[at].text,
            typeOnly: typeModifierAt(tokens, k + 1),
            line: t.line,
          });
          k = at;
        }
      }
    } else if (t.text === "export") {
      const typeOnly = isWord(next, "type");
      const head = typeOnly ? tokens[k + 2] : next;
      if (!isPunct(head, "{") && !isPunct(head, "*")) continue;
      const at = fromIndex(tokens, k + 1);
      if (at === -1) continue;
      // `export { a, b };` has no `from`: fromIndex stops at the `;`.
      refs.push({ specifier: tokens[at].text, typeOnly, line: t.line });
      k = at;
    }
  }
  return refs;
}
