// The request head of HTTP/1.1 (RFC 9112 §2-§6), parsed strictly: anything a proxy in front of
// us could read differently (request smuggling) is refused rather than guessed at.
//
//   request-line = method SP request-target SP "HTTP/" DIGIT "." DIGIT CRLF
//   field-line   = field-name ":" OWS field-value OWS CRLF
//   head         = request-line *field-line CRLF
//
// Refused with 400: bare CR or LF, obs-fold (a line starting with SP/HT), a field name that is not
// a token (so no space before the colon), control characters in a value, Content-Length together
// with Transfer-Encoding, more than one or a non-decimal Content-Length, a Transfer-Encoding other
// than exactly `chunked`, Transfer-Encoding on HTTP/1.0, no or several Host on HTTP/1.1.
// Versions other than 1.0 and 1.1 get 505.

export interface RequestHead {
  readonly method: string;
  readonly target: string;
  /** 0 for HTTP/1.0, 1 for HTTP/1.1. */
  readonly minorVersion: 0 | 1;
  /** Field lines in order, names lower-cased. */
  readonly fields: ReadonlyArray<readonly [string, string]>;
  /** Body framing decided from the fields. */
  readonly body: { readonly kind: "none" } | { readonly kind: "length"; readonly bytes: number } | {
    readonly kind: "chunked";
  };
  readonly host: string | null;
  /** Connection: close (1.1) or not keep-alive (1.0). */
  readonly close: boolean;
  readonly expectContinue: boolean;
}

export interface HeadError {
  readonly status: 400 | 417 | 431 | 505;
  readonly message: string;
}

const CR = 13;
const LF = 10;

/** Index just past the CRLF CRLF ending a head in buf[0, end), searching from `from`; -1 if none. */
export function findHeadEnd(buf: Uint8Array, from: number, end: number): number {
  let i = Math.max(0, from);
  for (;;) {
    const lf = buf.indexOf(LF, i);
    if (lf < 0 || lf >= end) return -1;
    // "\r\n\r\n": the LF at lf closes an empty line when the three bytes before it are "\r\n\r".
    if (lf >= 3 && buf[lf - 1] === CR && buf[lf - 2] === LF && buf[lf - 3] === CR) return lf + 1;
    i = lf + 1;
  }
}

const methodPattern = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const tokenPattern = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// Visible ASCII, SP, HT and obs-text; no other control characters.
const fieldValuePattern = /^[\t\x20-\x7e\x80-\xff]*$/;
const targetPattern = /^[\x21-\x7e]+$/;
const versionPattern = /^HTTP\/(\d)\.(\d)$/;
const decimalPattern = /^\d{1,15}$/;

function bytesToLatin1(bytes: Uint8Array): string {
  // Heads are bounded (headBytesMax) so the spread stays far below argument-count limits; each
  // byte becomes one char, as latin1 does, without a per-byte loop in JS.
  let out = "";
  const step = 8192;
  for (let i = 0; i < bytes.length; i += step) {
    out += String.fromCharCode.apply(null, bytes.subarray(i, i + step) as unknown as number[]);
  }
  return out;
}

/**
 * Parses a head (bytes up to and including its final CRLF CRLF). fieldsMax bounds the number of
 * field lines (beyond it: 431).
 */
export function parseRequestHead(
  bytes: Uint8Array,
  fieldsMax: number,
): RequestHead | HeadError {
  const text = bytesToLatin1(bytes.subarray(0, bytes.length - 4));
  const lines = text.split("\r\n");
  for (const line of lines) {
    if (line.includes("\r") || line.includes("\n")) return bad("bare CR or LF in the request head");
  }
  const requestLine = lines[0];
  const parts = requestLine.split(" ");
  if (parts.length !== 3) return bad("malformed request line");
  const [method, target, version] = parts;
  if (!methodPattern.test(method)) return bad("malformed method");
  if (!targetPattern.test(target)) return bad("malformed request target");
  const v = versionPattern.exec(version);
  if (v === null) return bad("malformed HTTP version");
  if (v[1] !== "1" || (v[2] !== "0" && v[2] !== "1")) {
    return { status: 505, message: `HTTP version ${version.slice(5)} is not supported` };
  }
  const minorVersion = v[2] === "1" ? 1 : 0;
  if (lines.length - 1 > fieldsMax) {
    return { status: 431, message: `more than ${fieldsMax} header fields` };
  }
  const fields: Array<readonly [string, string]> = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    if (line.length === 0) return bad("empty header line");
    if (line[0] === " " || line[0] === "\t") return bad("obsolete line folding");
    const colon = line.indexOf(":");
    if (colon <= 0) return bad("header line without a name");
    const name = line.slice(0, colon);
    if (!tokenPattern.test(name)) return bad(`invalid header name ${JSON.stringify(name)}`);
    const value = line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, "");
    if (!fieldValuePattern.test(value)) return bad(`invalid value of header ${name}`);
    fields.push([name.toLowerCase(), value]);
  }
  return interpret(method, target, minorVersion, fields);
}

function interpret(
  method: string,
  target: string,
  minorVersion: 0 | 1,
  fields: ReadonlyArray<readonly [string, string]>,
): RequestHead | HeadError {
  let contentLength: string | null = null;
  let transferEncoding: string | null = null;
  let host: string | null = null;
  let connection = "";
  let expect: string | null = null;
  for (const [name, value] of fields) {
    switch (name) {
      case "content-length":
        if (contentLength !== null) return bad("several Content-Length headers");
        contentLength = value;
        break;
      case "transfer-encoding":
        if (transferEncoding !== null) return bad("several Transfer-Encoding headers");
        transferEncoding = value;
        break;
      case "host":
        if (host !== null) return bad("several Host headers");
        host = value;
        break;
      case "connection":
        connection += `${connection === "" ? "" : ","}${value.toLowerCase()}`;
        break;
      case "expect":
        expect = value.toLowerCase();
        break;
    }
  }
  if (minorVersion === 1 && host === null) return bad("HTTP/1.1 request without Host");
  if (host !== null && !/^[\x21-\x7e]*$/.test(host)) return bad("malformed Host");
  let body: RequestHead["body"] = { kind: "none" };
  if (transferEncoding !== null) {
    if (contentLength !== null) return bad("both Content-Length and Transfer-Encoding");
    if (minorVersion === 0) return bad("Transfer-Encoding on HTTP/1.0");
    if (transferEncoding.toLowerCase() !== "chunked") {
      return bad(`Transfer-Encoding ${JSON.stringify(transferEncoding)} (only chunked is served)`);
    }
    body = { kind: "chunked" };
  } else if (contentLength !== null) {
    if (!decimalPattern.test(contentLength)) return bad("invalid Content-Length");
    const bytes = Number(contentLength);
    if (bytes > 0) body = { kind: "length", bytes };
  }
  const tokens = connection.split(",").map((t) => t.trim());
  const close = minorVersion === 1 ? tokens.includes("close") : !tokens.includes("keep-alive");
  if (expect !== null && expect !== "100-continue") {
    return { status: 417, message: `Expect ${JSON.stringify(expect)} is not supported` };
  }
  const expectContinue = expect !== null && minorVersion === 1;
  return { method, target, minorVersion, fields, body, host, close, expectContinue };
}

function bad(message: string): HeadError {
  return { status: 400, message };
}

export function isHeadError(result: RequestHead | HeadError): result is HeadError {
  return "status" in result;
}
