// "How it works": the pipeline for the last drawing kept in sessionStorage by the draw page
// (ink -> groups -> normalised crops -> probabilities), from one /api/recognize call.
import { GROUP_COLORS, drawBoxes, drawPng, drawStroke, fitCanvas, loadLastDrawing, postJSON,
         saveLastDrawing, strokeGroups } from "./ink.js";

const $ = (id) => document.getElementById(id);

/** Scale and offset that fit every point of the drawing into a w×h area with a margin. */
function fitTransform(strokes, w, h, margin = 28) {
  const pts = strokes.flat();
  const xs = pts.map((p) => p[0]), ys = pts.map((p) => p[1]);
  const x0 = Math.min(...xs), y0 = Math.min(...ys);
  const dw = Math.max(Math.max(...xs) - x0, 1), dh = Math.max(Math.max(...ys) - y0, 1);
  const s = Math.min((w - 2 * margin) / dw, (h - 2 * margin) / dh, 2);
  return { s, dx: (w - s * dw) / 2 - s * x0, dy: (h - s * dh) / 2 - s * y0 };
}

function project(strokes, f) {
  return strokes.map((st) => st.map(([x, y]) => [f.s * x + f.dx, f.s * y + f.dy]));
}

function drawInk(canvas, strokes) {
  const ctx = fitCanvas(canvas);
  const { width, height } = canvas.getBoundingClientRect();
  const shown = project(strokes, fitTransform(strokes, width, height));
  shown.forEach((st, i) => {
    const light = 15 + Math.round(55 * (i / Math.max(shown.length - 1, 1)));
    drawStroke(ctx, st, `hsl(222 70% ${light}%)`, 5);
    ctx.fillStyle = "#111827";
    ctx.font = "12px system-ui, sans-serif";
    ctx.fillText(String(i + 1), st[0][0] + 6, st[0][1] - 6);
  });
}

function drawGroups(canvas, strokes, digits) {
  const ctx = fitCanvas(canvas);
  const { width, height } = canvas.getBoundingClientRect();
  const f = fitTransform(strokes, width, height);
  const groupOf = strokeGroups(digits);
  project(strokes, f).forEach((st, i) => {
    const g = groupOf.get(i);
    drawStroke(ctx, st, g === undefined ? "#9ca3af" : GROUP_COLORS[g % GROUP_COLORS.length], 5);
  });
  ctx.translate(f.dx, f.dy);
  drawBoxes(ctx, digits, f.s, 6);
}

function cropItem(d, i) {
  const li = document.createElement("li");
  li.style.setProperty("--group", `var(--g${i % 8})`);
  const crop = Object.assign(document.createElement("canvas"), { width: 112, height: 112 });
  crop.setAttribute("role", "img");
  crop.setAttribute("aria-label", `28×28 crop of group ${i + 1}`);
  drawPng(crop, d.crop_png);
  li.append(crop, Object.assign(document.createElement("span"), { textContent: `group ${i + 1}` }));
  return li;
}

function probItem(d, i) {
  const li = document.createElement("li");
  li.style.setProperty("--group", `var(--g${i % 8})`);
  const chart = Object.assign(document.createElement("div"), { className: "chart" });
  d.probabilities.forEach((p, label) => {
    const col = Object.assign(document.createElement("span"), {
      className: `col${label === d.label ? " best" : ""}`, title: `${label}: ${(p * 100).toFixed(1)}%` });
    const fill = Object.assign(document.createElement("span"), { className: "fill" });
    fill.style.height = `${(p * 100).toFixed(1)}%`;  // element.style: allowed under a strict CSP
    col.append(fill, Object.assign(document.createElement("span"), { className: "lab", textContent: String(label) }));
    chart.append(col);
  });
  const caption = document.createElement("span");
  caption.append(`group ${i + 1}: `, Object.assign(document.createElement("b"), { textContent: String(d.label) }),
                 ` (${(d.confidence * 100).toFixed(1)}%)`);
  li.append(chart, caption);
  return li;
}

async function explain(strokes) {
  $("steps").hidden = false;
  $("empty").hidden = true;
  const res = await postJSON("/api/recognize", { strokes, crops: true })
    .catch(() => ({ ok: false, data: { error: "cannot reach the server" } }));
  if (!res.ok) { $("source").textContent = `Could not read the drawing: ${res.data.error}`; return; }
  const r = res.data;
  const points = strokes.reduce((n, s) => n + s.length, 0);
  const ms = strokes.at(-1).at(-1)[2] - strokes[0][0][2];
  $("ink-facts").textContent = `${strokes.length} strokes, ${points} points` +
    (Number.isFinite(ms) ? `, drawn in ${(ms / 1000).toFixed(1)} s` : "");
  drawInk($("ink"), strokes);
  drawGroups($("groups"), strokes, r.digits);
  $("crops").replaceChildren(...r.digits.map(cropItem));
  $("probs").replaceChildren(...r.digits.map(probItem));
  $("number").textContent = r.text || "—";
  const alts = r.alternatives.filter((a) => a.text !== r.text)
    .map((a) => `${a.text} (log-probability ${a.score.toFixed(2)})`);
  $("alternatives").textContent = `log-probability ${r.score.toFixed(2)}` +
    (alts.length ? `; other readings: ${alts.slice(0, 3).join(", ")}` : "");
}

/** An example "170": a vertical line, a 7 in two strokes, an ellipse. */
function exampleStrokes() {
  let t = 0;
  const line = (pts) => pts.map(([x, y]) => [x, y, (t += 12)]);
  const ellipse = [];
  for (let a = 0; a <= 2 * Math.PI + 0.3; a += 0.2) {
    ellipse.push([330 + 45 * Math.sin(a), 100 - 70 * Math.cos(a)]);
  }
  return [line([[60, 30], [60, 100], [60, 170]]), line([[150, 35], [240, 35]]),
          line([[240, 35], [215, 100], [185, 170]]), line(ellipse)];
}

const strokes = loadLastDrawing();
if (strokes.length) {
  explain(strokes);
} else {
  $("empty").hidden = false;
  $("source").textContent = "";
}
$("example").addEventListener("click", () => {
  const ex = exampleStrokes();
  saveLastDrawing(ex);
  $("source").textContent = "An example drawing, step by step.";
  explain(ex);
});
