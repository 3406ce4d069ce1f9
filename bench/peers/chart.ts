/**
 * The peers benchmark's bar chart, written as SVG text: panels of horizontal bars (one per
 * server and endpoint) with the min–max of the repeats drawn across each bar's end. Plain SVG
 * renders on GitHub and in any browser, and needs no plotting package.
 */

export interface Bar {
  label: string;
  value: number;
  min: number;
  max: number;
  /** skiff's bars are drawn in the accent colour. */
  ours: boolean;
}

export interface Panel {
  title: string;
  /** Printed after each value. */
  unit: string;
  digits: number;
  bars: Bar[];
}

const WIDTH = 880;
const LABEL_WIDTH = 250;
const VALUE_WIDTH = 130;
const BAR_AREA = WIDTH - LABEL_WIDTH - VALUE_WIDTH - 20;
const BAR_HEIGHT = 18;
const BAR_GAP = 6;
const PANEL_TITLE = 28;
const PANEL_GAP = 18;

const xml = (text: string) =>
  text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");

const number = (n: number, digits: number) =>
  n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });

function panel(p: Panel, top: number): { svg: string[]; height: number } {
  const shown = p.bars.filter((b) => Number.isFinite(b.value));
  const scale = Math.max(...shown.map((b) => Math.max(b.value, b.max)), 1e-9);
  const x = (v: number) => LABEL_WIDTH + (v / scale) * BAR_AREA;
  const svg = [
    `<text x="0" y="${top + 18}" font-weight="bold">${xml(p.title)}</text>`,
    `<line x1="${LABEL_WIDTH}" y1="${top + PANEL_TITLE - 4}" x2="${LABEL_WIDTH}" y2="${top + PANEL_TITLE + p.bars.length * (BAR_HEIGHT + BAR_GAP)}" stroke="#718096"/>`,
  ];
  p.bars.forEach((bar, i) => {
    const y = top + PANEL_TITLE + i * (BAR_HEIGHT + BAR_GAP);
    const mid = y + BAR_HEIGHT / 2;
    svg.push(
      `<text x="${LABEL_WIDTH - 8}" y="${mid + 4}" text-anchor="end">${xml(bar.label)}</text>`,
    );
    if (!Number.isFinite(bar.value)) {
      svg.push(`<text x="${LABEL_WIDTH + 6}" y="${mid + 4}" fill="#718096">did not run</text>`);
      return;
    }
    const fill = bar.ours ? "#2b6cb0" : "#a0aec0";
    svg.push(
      `<rect x="${LABEL_WIDTH}" y="${y}" width="${Math.max(1, x(bar.value) - LABEL_WIDTH).toFixed(1)}" height="${BAR_HEIGHT}" fill="${fill}"/>`,
    );
    if (bar.max > bar.min) {
      svg.push(
        `<line x1="${x(bar.min).toFixed(1)}" y1="${mid}" x2="${x(bar.max).toFixed(1)}" y2="${mid}" stroke="#1a202c" stroke-width="1.5"/>`,
        `<line x1="${x(bar.min).toFixed(1)}" y1="${mid - 4}" x2="${x(bar.min).toFixed(1)}" y2="${mid + 4}" stroke="#1a202c"/>`,
        `<line x1="${x(bar.max).toFixed(1)}" y1="${mid - 4}" x2="${x(bar.max).toFixed(1)}" y2="${mid + 4}" stroke="#1a202c"/>`,
      );
    }
    svg.push(
      `<text x="${(x(Math.max(bar.value, bar.max)) + 6).toFixed(1)}" y="${mid + 4}">${number(bar.value, p.digits)} ${xml(p.unit)}</text>`,
    );
  });
  return { svg, height: PANEL_TITLE + p.bars.length * (BAR_HEIGHT + BAR_GAP) + PANEL_GAP };
}

export function barChart(title: string, subtitle: string, panels: Panel[]): string {
  const body: string[] = [];
  let top = 56;
  for (const p of panels) {
    const drawn = panel(p, top);
    body.push(...drawn.svg);
    top += drawn.height;
  }
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${top}" viewBox="0 0 ${WIDTH} ${top}" font-family="sans-serif" font-size="13">`,
    `<title>${xml(title)}</title>`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="0" y="20" font-size="17" font-weight="bold">${xml(title)}</text>`,
    `<text x="0" y="40" fill="#4a5568">${xml(subtitle)}</text>`,
    ...body,
    "</svg>",
    "",
  ].join("\n");
}
