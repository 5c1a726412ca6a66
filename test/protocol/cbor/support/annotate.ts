// Writes a frame as annotated hex, one CBOR head per line with its meaning in a comment, the
// way the golden fixtures and docs/protocol.md show frames. It walks the bytes itself (it does
// not trust the encoder) and understands only what our messages use.

const HEX_COLUMN = 52;

export function annotateFrame(frame: Uint8Array, title: string[]): string {
  const lines = title.map((t) => `# ${t}`);
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  lines.push(line(frame.subarray(0, 4), `frame length ${view.getUint32(0)}`));
  const end = walk(frame, 4, 0, lines, "");
  if (end !== frame.byteLength) throw new Error(`trailing bytes at ${end}`);
  return lines.join("\n") + "\n";
}

function hexOf(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(" ");
}

function line(bytes: Uint8Array, comment: string, indent = ""): string {
  const hex = indent + hexOf(bytes);
  return `${hex.padEnd(HEX_COLUMN - 1)} # ${comment}`;
}

interface Head {
  major: number;
  argument: number;
  size: number;
}

function head(bytes: Uint8Array, pos: number): Head {
  const initial = bytes[pos];
  const major = initial >> 5;
  const info = initial & 0x1f;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (info < 24) return { major, argument: info, size: 1 };
  if (info === 24) return { major, argument: bytes[pos + 1], size: 2 };
  if (info === 25) return { major, argument: view.getUint16(pos + 1), size: 3 };
  if (info === 26) return { major, argument: view.getUint32(pos + 1), size: 5 };
  if (info === 27) return { major, argument: Number(view.getBigUint64(pos + 1)), size: 9 };
  throw new Error(`unsupported head ${initial.toString(16)} at ${pos}`);
}

function walk(bytes: Uint8Array, pos: number, depth: number, out: string[], label: string): number {
  const indent = "  ".repeat(depth);
  const h = head(bytes, pos);
  const headBytes = bytes.subarray(pos, pos + h.size);
  const prefix = label === "" ? "" : `${label}: `;
  pos += h.size;
  switch (h.major) {
    case 0:
      out.push(line(headBytes, `${prefix}unsigned(${h.argument})`, indent));
      return pos;
    case 1:
      out.push(line(headBytes, `${prefix}negative(${-1 - h.argument})`, indent));
      return pos;
    case 2:
      out.push(
        line(
          headBytes,
          `${prefix}bytes(${h.argument})${h.argument > 0 ? ": record batch v2" : ""}`,
          indent,
        ),
      );
      for (let i = 0; i < h.argument; i += 16) {
        const chunk = bytes.subarray(pos + i, pos + Math.min(i + 16, h.argument));
        out.push(`${indent}  ${hexOf(chunk)}`);
      }
      return pos + h.argument;
    case 3: {
      const text = new TextDecoder().decode(bytes.subarray(pos, pos + h.argument));
      const comment = `${prefix}text(${h.argument}) ${JSON.stringify(text)}`;
      if (h.argument <= 12) {
        out.push(line(bytes.subarray(pos - h.size, pos + h.argument), comment, indent));
        return pos + h.argument;
      }
      out.push(line(headBytes, comment, indent));
      for (let i = 0; i < h.argument; i += 16) {
        out.push(
          `${indent}  ${hexOf(bytes.subarray(pos + i, pos + Math.min(i + 16, h.argument)))}`,
        );
      }
      return pos + h.argument;
    }
    case 4:
      out.push(line(headBytes, `${prefix}array(${h.argument})`, indent));
      for (let i = 0; i < h.argument; i++) pos = walk(bytes, pos, depth + 1, out, "");
      return pos;
    case 5:
      out.push(line(headBytes, `${prefix}map(${h.argument})`, indent));
      for (let i = 0; i < h.argument; i++) {
        const key = head(bytes, pos);
        if (key.major !== 3) throw new Error("map keys must be text");
        const name = new TextDecoder().decode(
          bytes.subarray(pos + key.size, pos + key.size + key.argument),
        );
        out.push(
          line(
            bytes.subarray(pos, pos + key.size + key.argument),
            `key ${JSON.stringify(name)}`,
            `${indent}  `,
          ),
        );
        pos = walk(bytes, pos + key.size + key.argument, depth + 1, out, name);
      }
      return pos;
    case 7: {
      const names: Record<number, string> = { 20: "false", 21: "true", 22: "null" };
      const name = names[h.argument];
      if (name === undefined) throw new Error(`unsupported simple value ${h.argument}`);
      out.push(line(headBytes, `${prefix}${name}`, indent));
      return pos;
    }
    default:
      throw new Error(`unsupported major type ${h.major}`);
  }
}
