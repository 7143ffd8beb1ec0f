// Helpers for the "How it works" page, on top of the ink helpers of <ink-number>.
// Ink format (the API's): a list of strokes in pen order; a stroke is a list of [x, y, t]
// points in CSS pixels of the canvas (origin top-left, y down), t in ms.
import { PALETTES } from "./ink-number.js";

export { drawPng, drawStroke, fitCanvas, postJSON } from "./ink-number.js";
export const GROUP_COLORS = PALETTES.light.colors;
const STORE_KEY = "inkdigits:last-drawing";

/** Dashed box with its label above, one per digit: digits are the API's digit objects. */
export function drawBoxes(ctx, digits, scale = 1, pad = 8) {
  ctx.save();
  ctx.font = "600 14px system-ui, sans-serif";
  digits.forEach((d, i) => {
    const color = GROUP_COLORS[i % GROUP_COLORS.length];
    const [x0, y0, x1, y1] = d.bbox.map((v) => v * scale);
    ctx.strokeStyle = ctx.fillStyle = color;
    ctx.lineWidth = 2;
    ctx.setLineDash([6, 4]);
    ctx.strokeRect(x0 - pad, y0 - pad, x1 - x0 + 2 * pad, y1 - y0 + 2 * pad);
    ctx.setLineDash([]);
    const tag = String(d.label);
    const w = ctx.measureText(tag).width + 10;
    ctx.fillRect(x0 - pad, y0 - pad - 20, w, 20);
    ctx.fillStyle = PALETTES.light.text;
    ctx.fillText(tag, x0 - pad + 5, y0 - pad - 5);
  });
  ctx.restore();
}

/** Map from stroke index to the index of the digit group that uses it. */
export function strokeGroups(digits) {
  const groupOf = new Map();
  digits.forEach((d, i) => d.strokes.forEach((s) => groupOf.set(s, i)));
  return groupOf;
}

export function saveLastDrawing(strokes) {
  try { sessionStorage.setItem(STORE_KEY, JSON.stringify(strokes)); } catch { /* private mode */ }
}

export function loadLastDrawing() {
  try {
    const strokes = JSON.parse(sessionStorage.getItem(STORE_KEY) || "[]");
    return Array.isArray(strokes) ? strokes : [];
  } catch { return []; }
}
