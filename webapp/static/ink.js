// Drawing surface and helpers shared by the pages. Ink format (the API's): a list of
// strokes in pen order; a stroke is a list of [x, y, t] points in CSS pixels of the
// canvas (origin top-left, y down), t in ms since the drawing began.

export const GROUP_COLORS = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c",
                             "#0891b2", "#be185d", "#4d7c0f"];
const STORE_KEY = "inkdigits:last-drawing";

/** Size a canvas's backing store to its CSS size times devicePixelRatio; returns its 2D context. */
export function fitCanvas(canvas) {
  const dpr = window.devicePixelRatio || 1;
  const rect = canvas.getBoundingClientRect();
  canvas.width = Math.max(1, Math.round(rect.width * dpr));
  canvas.height = Math.max(1, Math.round(rect.height * dpr));
  const ctx = canvas.getContext("2d");
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  return ctx;
}

/** Stroke a polyline of [x, y, ...] points (a dot for a single point). */
export function drawStroke(ctx, points, color, width = 6) {
  if (!points.length) return;
  ctx.strokeStyle = ctx.fillStyle = color;
  ctx.lineWidth = width;
  ctx.lineCap = ctx.lineJoin = "round";
  ctx.beginPath();
  ctx.moveTo(points[0][0], points[0][1]);
  if (points.length === 1) {
    ctx.arc(points[0][0], points[0][1], width / 2, 0, 2 * Math.PI);
    ctx.fill();
    return;
  }
  for (const p of points.slice(1)) ctx.lineTo(p[0], p[1]);
  ctx.stroke();
}

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
    ctx.fillStyle = "#fff";
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

/** POST JSON; resolves to {ok, status, data} where data is the parsed JSON body. */
export async function postJSON(url, body, signal) {
  const res = await fetch(url, {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body), signal,
  });
  let data;
  try { data = await res.json(); } catch { data = { error: `HTTP ${res.status}` }; }
  return { ok: res.ok, status: res.status, data };
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

/** A canvas that records ordered, timestamped strokes from mouse, touch and pen. */
export class InkPad {
  constructor(canvas, onChange) {
    this.canvas = canvas;
    this.onChange = onChange;
    this.strokes = [];
    this.digits = [];         // the last recognition's digits, drawn as boxes
    this.active = null;       // pointerId of the stroke being drawn
    this.t0 = null;           // event time of t = 0
    this.lastPointerType = null;
    this.ctx = fitCanvas(canvas);
    new ResizeObserver(() => { this.ctx = fitCanvas(canvas); this.redraw(); }).observe(canvas);
    canvas.addEventListener("pointerdown", (e) => this.down(e));
    canvas.addEventListener("pointermove", (e) => this.move(e));
    canvas.addEventListener("pointerup", (e) => this.up(e));
    canvas.addEventListener("pointercancel", (e) => this.up(e));
  }

  point(e) {
    if (this.t0 === null) {
      const last = this.strokes.at(-1)?.at(-1);
      this.t0 = e.timeStamp - (last ? last[2] + 500 : 0);  // continue a restored drawing
    }
    const r = this.canvas.getBoundingClientRect();
    const round = (v) => Math.round(v * 10) / 10;
    return [round(e.clientX - r.left), round(e.clientY - r.top), Math.round(e.timeStamp - this.t0)];
  }

  down(e) {
    if (this.active !== null || (e.pointerType === "mouse" && e.button !== 0)) return;
    e.preventDefault();
    this.canvas.setPointerCapture?.(e.pointerId);
    this.active = e.pointerId;
    this.lastPointerType = e.pointerType;
    this.strokes.push([this.point(e)]);
    this.redraw();
  }

  move(e) {
    if (e.pointerId !== this.active) return;
    e.preventDefault();
    const stroke = this.strokes.at(-1);
    const events = e.getCoalescedEvents ? e.getCoalescedEvents() : [e];
    for (const ev of events.length ? events : [e]) {
      const p = this.point(ev), q = stroke.at(-1);
      if (p[0] === q[0] && p[1] === q[1]) continue;
      stroke.push(p);
      drawStroke(this.ctx, [q, p], "#111827");
    }
  }

  up(e) {
    if (e.pointerId !== this.active) return;
    this.active = null;
    this.onChange();
  }

  setStrokes(strokes) { this.strokes = strokes; this.digits = []; this.redraw(); }
  setDigits(digits) { this.digits = digits; this.redraw(); }
  undo() { if (this.active === null && this.strokes.pop()) { this.redraw(); this.onChange(); } }

  clear() {
    if (this.active !== null) return;
    this.strokes = []; this.digits = []; this.t0 = null;
    this.redraw(); this.onChange();
  }

  redraw() {
    const { width, height } = this.canvas.getBoundingClientRect();
    this.ctx.clearRect(0, 0, width, height);
    for (const s of this.strokes) drawStroke(this.ctx, s, "#111827");
    drawBoxes(this.ctx, this.digits);
  }
}
