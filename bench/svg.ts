// A horizontal bar chart as SVG text, from the results: one panel per headline scenario, one
// bar per system (and Tributary runtime), labelled with its number. No dependencies.

export interface Bar {
  label: string;
  value: number;
  /** Tributary bars and peer bars get different colours. */
  kind: "tributary" | "peer";
}

export interface Panel {
  title: string;
  unit: string;
  bars: Bar[];
}

const WIDTH = 760;
const LABEL_WIDTH = 150;
const BAR_HEIGHT = 18;
const GAP = 6;
const PANEL_HEAD = 28;
const COLORS = { tributary: "#2b6cb0", peer: "#a0aec0" } as const;

function escape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

export function barChart(title: string, panels: Panel[]): string {
  const parts: string[] = [];
  let y = 36;
  for (const panel of panels) {
    parts.push(`<text x="10" y="${y + 16}" font-weight="bold">${escape(panel.title)}</text>`);
    y += PANEL_HEAD;
    const max = Math.max(1, ...panel.bars.map((b) => b.value));
    const span = WIDTH - LABEL_WIDTH - 140;
    for (const bar of panel.bars) {
      const w = Math.max(1, Math.round((bar.value / max) * span));
      const value = `${Math.round(bar.value).toLocaleString("en-US")} ${panel.unit}`;
      parts.push(
        `<text x="${LABEL_WIDTH - 8}" y="${y + 13}" text-anchor="end">${escape(bar.label)}</text>`,
        `<rect x="${LABEL_WIDTH}" y="${y}" width="${w}" height="${BAR_HEIGHT}" fill="${
          COLORS[bar.kind]
        }"/>`,
        `<text x="${LABEL_WIDTH + w + 6}" y="${y + 13}">${escape(value)}</text>`,
      );
      y += BAR_HEIGHT + GAP;
    }
    y += 10;
  }
  const height = y + 10;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="20" font-size="15" font-weight="bold">${escape(title)}</text>`,
    ...parts,
    `</svg>`,
    "",
  ].join("\n");
}
