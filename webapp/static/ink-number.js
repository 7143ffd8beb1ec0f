// <ink-number>: a form field for a handwritten number. One plain ES module, no build step,
// no dependencies; works under a strict Content-Security-Policy (no inline script or style:
// its CSS is a constructed stylesheet, element.style is set only from here).
//
//   <script type="module" src="/static/ink-number.js"></script>
//   <form><ink-number name="amount" required></ink-number><button>Send</button></form>
//
// Attributes: name, required, disabled, label (its accessible name), recognize-url
// (default /api/recognize), samples-url (POST corrections there; none by default),
// doubt (probability under which a digit is marked unsure; default 0.5), crops (show the
// 28x28 crop the model saw on each digit card), global-shortcuts (keys work wherever focus is).
// Properties: value, strokes, result, busy, form, validity, validationMessage, willValidate,
// checkValidity(), reportValidity(), undo(), redo(), clear().
// Events: input (the value changed), change (the value settled), ink (the drawing changed),
// correction (cancelable; detail {strokes, label, predicted, body}: listeners may add fields
// to body before it is POSTed to samples-url, or call preventDefault() to store it themselves),
// saved (detail: samples-url's answer, e.g. {id, label, learnt, profile}).
//
// Ink format (the API's): a list of strokes in pen order; a stroke is a list of [x, y, t]
// points in CSS pixels of the canvas at its first size (origin top-left, y down), t in ms.
// A resized canvas draws the same ink scaled, so the points keep their meaning.

export const SETTLE_MS = 700;     // a pause this long after a reading means the writer is done
export const DOUBT = 0.5;         // below half, the other digits together are likelier
export const MAX_DIGITS = 64;     // the API's label limit
const INK_WIDTH = 6;
// Box colours: white labels on LIGHT, dark labels on DARK, each at least 4.5:1 (tested).
export const PALETTES = {
  light: { colors: ["#1d4ed8", "#b91c1c", "#15803d", "#7e22ce", "#c2410c", "#0e7490",
                    "#be185d", "#4d7c0f"], text: "#ffffff" },
  dark: { colors: ["#93c5fd", "#fca5a5", "#86efac", "#d8b4fe", "#fdba74", "#67e8f9",
                   "#f9a8d4", "#bef264"], text: "#0f172a" },
};

// --- ink helpers (also used by the "How it works" page) -----------------------------------

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
export function drawStroke(ctx, points, color, width = INK_WIDTH) {
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

/** "learnt: your 4 and 7" for the digits a correction taught that the shared model alone
 *  reads otherwise; "learnt: how you group your digits" when it fixed only the grouping
 *  (a split or a merge); "learnt your handwriting" otherwise; "" when nothing. */
export function learntPhrase(learnt) {
  if (!learnt) return "";
  const mine = [...new Set(learnt.misread.map((d) => String(d.label)))];
  if (!mine.length) {
    return learnt.not_digits ? "learnt: how you group your digits" : "learnt your handwriting";
  }
  const list = mine.length === 1 ? mine[0]
    : `${mine.slice(0, -1).join(", ")} and ${mine[mine.length - 1]}`;
  return `learnt: your ${list}`;
}

/** POST JSON; resolves to {ok, status, data}; a network failure is {ok: false, data.error}. */
export async function postJSON(url, body, signal) {
  let res;
  try {
    res = await fetch(url, { method: "POST", headers: { "Content-Type": "application/json" },
                             body: JSON.stringify(body), signal });
  } catch (err) {
    if (err.name === "AbortError") throw err;
    return { ok: false, status: 0, data: { error: "can't reach the server" } };
  }
  let data;
  try { data = await res.json(); } catch { data = { error: `HTTP ${res.status}` }; }
  if (!res.ok && typeof data?.error !== "string") data = { error: `HTTP ${res.status}` };
  return { ok: res.ok, status: res.status, data };
}

/** Draw a base64 PNG (a 28x28 crop) onto a canvas, pixelated; no img-src needed under CSP. */
export async function drawPng(canvas, base64) {
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  const bitmap = await createImageBitmap(new Blob([bytes], { type: "image/png" }));
  const ctx = canvas.getContext("2d");
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  canvas.dataset.drawn = "";
}

/** Points of a stroke resampled every `step` px along its path ([x, y] pairs). */
function resample(stroke, step) {
  if (!(step > 0)) throw new RangeError(`resample: step must be > 0, not ${step}`);
  const out = [[stroke[0][0], stroke[0][1]]];
  let [px, py] = out[0], carry = 0;
  for (const [x, y] of stroke.slice(1)) {
    let d = Math.hypot(x - px, y - py);
    while (carry + d >= step) {
      const f = (step - carry) / d;
      px += (x - px) * f; py += (y - py) * f;
      out.push([px, py]);
      d = Math.hypot(x - px, y - py); carry = 0;
    }
    carry += d; px = x; py = y;
  }
  return out;
}

function bboxOf(points) {
  const xs = points.map((p) => p[0]), ys = points.map((p) => p[1]);
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}

/** Whether a stroke is a scratch-out: a dense zig-zag (4+ turns sharper than 120 degrees,
 * each measured over 20 px either side). The span and angle were chosen on pendigits'
 * training writers: 3 of their 7828 digit strokes pass (test_browser checks the held-out writers). */
export function isScratchOut(stroke, step = 5, span = 4) {
  if (stroke.length < 3) return false;
  const pts = resample(stroke, step);
  const [x0, y0, x1, y1] = bboxOf(pts);
  const length = (pts.length - 1) * step;
  if (length < 2.5 * Math.hypot(x1 - x0, y1 - y0)) return false;  // a zig-zag doubles back
  let turns = 0, last = -Infinity;
  for (let i = span; i + span < pts.length; i++) {
    const ax = pts[i][0] - pts[i - span][0], ay = pts[i][1] - pts[i - span][1];
    const bx = pts[i + span][0] - pts[i][0], by = pts[i + span][1] - pts[i][1];
    const cos = (ax * bx + ay * by) / (Math.hypot(ax, ay) * Math.hypot(bx, by) || 1);
    if (cos < -0.5 && i - last > span + 1) { turns += 1; last = i; }  // one corner counts once
  }
  return turns >= 4;
}

/** Indices of the strokes a scratch-out covers: half or more of their points in its box. */
export function strokesUnder(scratch, strokes, margin = 6) {
  const [x0, y0, x1, y1] = bboxOf(scratch);
  const inside = (p) => p[0] >= x0 - margin && p[0] <= x1 + margin &&
                        p[1] >= y0 - margin && p[1] <= y1 + margin;
  return strokes.flatMap((s, i) => (s.filter(inside).length * 2 >= s.length ? [i] : []));
}

/** The reading's parts from an API answer: one per digit, marked ok, doubt or reject. */
export function partsFrom(data, doubt = DOUBT) {
  return data.digits.map((d) => {
    const reject = 1 - d.probabilities.reduce((a, b) => a + b, 0);  // the reject class's share
    const state = reject > d.confidence ? "reject" : d.confidence < doubt ? "doubt" : "ok";
    return { strokes: d.strokes, bbox: d.bbox, probabilities: d.probabilities,
             confidence: d.confidence, guess: String(d.label),
             text: state === "reject" ? null : String(d.label), state };
  });
}

/** Whole-number alternatives to show: up to 5, the same digit count as `text` first. */
export function rankAlternatives(alternatives, text, extra = []) {
  const seen = new Set([text, ""]);
  const all = [...extra, ...alternatives.map((a) => a.text)].filter((t) => {
    if (seen.has(t)) return false;
    seen.add(t);
    return true;
  });
  const same = all.filter((t) => t.length === text.length);
  return [...same, ...all.filter((t) => t.length !== text.length)].slice(0, 5);
}

/** The problem with a typed number, or "" when it is 1 to MAX_DIGITS digits. */
export function labelProblem(text) {
  if (!text) return "Type the number with digits 0–9.";
  if (/[^0-9]/.test(text)) return `Digits 0–9 only: “${text}” has other characters.`;
  if (text.length > MAX_DIGITS) {
    return `At most ${MAX_DIGITS} digits: you typed ${text.length}. Nothing was cut off.`;
  }
  return "";
}

const ordinal = (i) => ["1st", "2nd", "3rd"][i] ?? `${i + 1}th`;
const pct = (p) => `${Math.round(p * 100)}%`;
const isEditable = (el) => el?.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el?.tagName);

// --- the element ---------------------------------------------------------------------------

const STYLE = `
:host { display: block; color: var(--in-fg); --in-fg: #111827; --in-muted: #4b5563;
  --in-line: #94a3b8; --in-card: #ffffff; --in-soft: #f1f5f9; --in-rule: #e2e8f0;
  --in-accent: #1d4ed8; --in-accent-fg: #ffffff; --in-warn: #9a3412; --in-bad: #b91c1c;
  --in-ok: #166534; --in-ink: #111827; --in-height: clamp(220px, 42vw, 380px); }
@media (prefers-color-scheme: dark) {
  :host { --in-fg: #e5e7eb; --in-muted: #cbd5e1; --in-line: #64748b; --in-card: #1e293b;
    --in-soft: #0f172a; --in-rule: #334155; --in-accent: #93c5fd; --in-accent-fg: #0f172a;
    --in-warn: #fdba74; --in-bad: #fca5a5; --in-ok: #86efac; --in-ink: #f1f5f9; }
}
:host([hidden]) { display: none; }
* { box-sizing: border-box; }
button, input { font: inherit; color: inherit; }
button { padding: 6px 14px; min-height: 40px; border-radius: 8px; border: 1px solid var(--in-line);
  background: var(--in-card); cursor: pointer; }
button:hover:not(:disabled) { border-color: var(--in-accent); }
button:disabled { color: var(--in-muted); border-style: dashed; cursor: default; }
:focus-visible { outline: 3px solid var(--in-accent); outline-offset: 2px; }
.primary { background: var(--in-accent); color: var(--in-accent-fg); border-color: var(--in-accent); }
.head { display: flex; flex-wrap: wrap; gap: 4px 24px; align-items: flex-start; }
.readout { flex: 1 1 15rem; min-width: 0; }
.number { display: flex; flex-wrap: wrap; align-items: baseline; gap: 0 0.06em; margin: 0;
  min-height: 1.2em; font-size: clamp(2.25rem, 9vw, 4rem); font-weight: 700; line-height: 1.2;
  font-variant-numeric: tabular-nums; }
.number[data-long] { font-size: clamp(1.75rem, 6vw, 3rem); }
.number[data-state="busy"] .dig { opacity: 0.6; }
.number .empty { color: var(--in-muted); font-weight: 400; }
.dig { font: inherit; min-height: 0; padding: 0 0.05em; border: 0; border-radius: 6px;
  border-bottom: 0.08em solid transparent; background: none; line-height: inherit; }
.dig[data-state="doubt"] { color: var(--in-warn); border-bottom: 0.08em dotted var(--in-warn); }
.dig[data-state="doubt"]::after { content: "?"; font-size: 0.45em; vertical-align: super; }
.dig[data-state="reject"] { color: var(--in-bad); border-bottom: 0.08em dotted var(--in-bad); }
.dig[data-state="fixed"] { border-bottom-color: var(--in-ok); }
.dig[data-state="none"] { color: var(--in-muted); text-decoration: line-through; }
.dig[aria-expanded="true"] { background: var(--in-soft); }
.msg, .typed-msg { margin: 2px 0; min-height: 1.4em; color: var(--in-muted); overflow-wrap: anywhere; }
.msg { min-height: 2.8em; }  /* two lines kept: the pad must not move under the pen */
[data-tone="warn"] { color: var(--in-warn); }
[data-tone="error"] { color: var(--in-bad); }
[data-tone="ok"] { color: var(--in-ok); }
.typed { flex: 0 1 21rem; min-width: min(100%, 15rem); margin: 0; }
.typed label { font-weight: 600; font-size: 0.95em; }
.typed-row { display: flex; gap: 6px; margin-top: 4px; }
.typed input { flex: 1; min-width: 0; font-size: 1.15rem; padding: 6px 10px; border-radius: 8px;
  border: 1px solid var(--in-line); background: var(--in-card); }
.fix, .alts { display: flex; flex-wrap: wrap; align-items: center; gap: 6px; margin: 6px 0; }
/* One row that scrolls sideways: a row that wrapped on a phone moved the pad under the pen
   between two strokes of one digit. */
.alts { min-height: 40px; flex-wrap: nowrap; overflow-x: auto; white-space: nowrap; }
.alts > * { flex: none; }
.alts[data-empty] { visibility: hidden; }  /* keeps its room, as .msg does */
.fix { padding: 8px 10px; border: 1px solid var(--in-line); border-radius: 10px;
  background: var(--in-card); }
.fix[hidden], [hidden] { display: none; }
.fix-title { flex: 1 0 100%; margin: 0; font-weight: 600; }
.choice { min-width: 3.4rem; display: inline-grid; justify-items: center; line-height: 1.1; padding: 4px 8px; }
.choice b { font-size: 1.25rem; }
.choice small { color: var(--in-muted); }
.split input { width: 7rem; padding: 6px 8px; border-radius: 8px; border: 1px solid var(--in-line);
  background: var(--in-card); }
.alts-label { color: var(--in-muted); }
.alts button { font-variant-numeric: tabular-nums; font-weight: 600; overflow-wrap: anywhere; }
.pad-wrap { margin-top: 6px; background: var(--in-card); border: 1px solid var(--in-line);
  border-radius: 12px; overflow: hidden; }
.pad { display: block; width: 100%; height: var(--in-height); touch-action: none;
  user-select: none; -webkit-user-select: none; cursor: crosshair; }
.tools { display: flex; flex-wrap: wrap; gap: 8px; margin: 10px 0; }
.cards { list-style: none; padding: 0; margin: 8px 0 0; display: grid; gap: 8px;
  grid-template-columns: repeat(auto-fill, minmax(9.5rem, 1fr)); }
.card { width: 100%; display: grid; grid-template-columns: auto 1fr; gap: 4px 8px;
  align-items: center; text-align: left; padding: 8px; border-left-width: 5px; }
.card canvas { grid-row: span 2; width: 56px; height: 56px; border-radius: 4px; background: #000; }
.card .title { font-weight: 700; font-size: 1.3rem; overflow-wrap: anywhere; }
.card .state { color: var(--in-muted); font-size: 0.85rem; }
.card[data-state="doubt"] .state { color: var(--in-warn); }
.card[data-state="reject"] .state { color: var(--in-bad); }
.bars { grid-column: 1 / -1; display: grid; gap: 2px; margin: 0; padding: 0; list-style: none;
  font-size: 0.8rem; }
.bars li { display: grid; grid-template-columns: 1em 1fr 2.6em; gap: 4px; align-items: center; }
.bar { height: 8px; border-radius: 4px; background: var(--in-rule); overflow: hidden; }
.bar span { display: block; height: 100%; background: var(--in-fg); }
.bars .p { text-align: right; color: var(--in-muted); font-variant-numeric: tabular-nums; }
.live, .vh { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%);
  white-space: nowrap; }
`;

const HTML = `
<div class="head">
  <div class="readout">
    <p class="number" data-state="empty" tabindex="-1"></p>
    <p class="msg"></p>
  </div>
  <form class="typed" novalidate>
    <label for="typed"></label>
    <div class="typed-row">
      <input id="typed" inputmode="numeric" autocomplete="off" spellcheck="false"
             aria-describedby="typed-msg" enterkeyhint="done">
      <button type="submit" class="save primary">Save</button>
    </div>
    <p id="typed-msg" class="typed-msg"></p>
    <button type="button" class="confirm primary" hidden>Save anyway</button>
  </form>
</div>
<div class="fix" role="group" hidden></div>
<div class="alts" data-empty><span class="alts-label" id="alts-label">Or did you mean</span></div>
<div class="pad-wrap"><canvas class="pad" role="img"
  aria-label="Drawing area: write a number with mouse, finger or pen"></canvas></div>
<div class="tools">
  <button type="button" class="undo" aria-keyshortcuts="Control+Z">Undo</button>
  <button type="button" class="redo" aria-keyshortcuts="Control+Shift+Z Control+Y">Redo</button>
  <button type="button" class="clear" aria-keyshortcuts="Escape">Clear</button>
  <button type="button" class="copy">Copy number</button>
</div>
<ol class="cards" aria-label="Digits read"></ol>
<div class="live" role="status"></div>
`;

let sheet = null, tpl = null;
// Parsed once in a <template>: parsed as the shadow root's innerHTML inside a host <form>,
// the inner <form> would be dropped (fragment parsing keeps the ancestor form).
function template() {
  if (!tpl) { tpl = document.createElement("template"); tpl.innerHTML = HTML; }
  return tpl;
}

function styleSheet() {
  if (!sheet) { sheet = new CSSStyleSheet(); sheet.replaceSync(STYLE); }
  return sheet;
}

function el(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

export class InkNumber extends HTMLElement {
  static formAssociated = true;
  static observedAttributes = ["label", "disabled"];

  constructor() {
    super();
    this._internals = this.attachInternals();
    this._internals.role = "group";
    const root = this.attachShadow({ mode: "open", delegatesFocus: true });
    root.adoptedStyleSheets = [styleSheet()];
    root.append(template().content.cloneNode(true));
    this._$ = (sel) => root.querySelector(sel);
    this._canvas = this._$(".pad");
    this._field = this._$("#typed");
    this._strokes = [];        // completed strokes
    this._active = null;       // {id, stroke} while the pen is down
    this._undone = [];         // states undone, for redo
    this._done = [];           // previous states, for undo
    this._t0 = null;
    this._ref = null;          // the canvas size ink coordinates refer to
    this._k = 1;               // current canvas size / _ref
    this._seq = 0;             // bumped on every ink change: older answers are dropped
    this._abort = null;
    this._busy = false;
    this._data = null;         // the API's last answer for the current ink
    this._parts = [];          // its digits, with corrections
    this._override = null;     // a corrected number whose length differs from the parts
    this._error = "";
    this._status = { text: "", tone: "" };  // the last correction's fate
    this._open = -1;           // part whose choices are shown
    this._confirm = null;      // typed label waiting for "save anyway"
    this._saved = new Set();   // drawing+label pairs already stored
    this._value = "";
    this._changed = "";        // value at the last change event
    this._settle = null;
    this._wire();
  }

  // --- public API ---
  get value() { return this._value; }
  set value(v) {
    this._reset();
    this._field.value = v == null ? "" : String(v);
    this._updateValue(true);
    this._changed = this._value;
    this._render();
  }
  get strokes() { return this._strokes.map((s) => s.map((p) => p.slice())); }
  set strokes(ink) { this._record(); this._strokes = Array.isArray(ink) ? ink : []; this._inkChanged(); }
  get result() { return this._data; }
  get parts() { return this._parts; }
  get busy() { return this._busy || this._active !== null; }
  get form() { return this._internals.form; }
  get name() { return this.getAttribute("name"); }
  get type() { return this.localName; }
  get validity() { return this._internals.validity; }
  get validationMessage() { return this._internals.validationMessage; }
  get willValidate() { return this._internals.willValidate; }
  checkValidity() { return this._internals.checkValidity(); }
  reportValidity() { return this._internals.reportValidity(); }
  undo() { this._step(this._done, this._undone); }
  redo() { this._step(this._undone, this._done); }
  clear() {
    if (!this._strokes.length || this._active) return;
    this._record(); this._strokes = []; this._inkChanged();
  }

  get _url() { return this.getAttribute("recognize-url") || "/api/recognize"; }
  get _doubt() {
    const v = parseFloat(this.getAttribute("doubt"));
    return Number.isFinite(v) ? v : DOUBT;
  }
  get _disabled() { return this.hasAttribute("disabled") || this._formDisabled; }

  connectedCallback() {
    this._keyTarget = this.hasAttribute("global-shortcuts") ? document : this;
    this._keyTarget.addEventListener("keydown", this._onKey);
    this._resize = new ResizeObserver(() => this._fit());
    this._resize.observe(this._canvas);
    this._render();
  }

  disconnectedCallback() {
    this._keyTarget?.removeEventListener("keydown", this._onKey);
    this._resize?.disconnect();
  }

  attributeChangedCallback() { if (this.isConnected) this._render(); }
  formResetCallback() { this._reset(); this._render(); }
  formDisabledCallback(disabled) { this._formDisabled = disabled; this._render(); }
  formStateRestoreCallback(state) {
    if (typeof state === "string" && !this._strokes.length) { this._field.value = state; this._typedInput(); }
  }

  // --- wiring ---
  _wire() {
    const c = this._canvas, on = (sel, type, fn) => this._$(sel).addEventListener(type, fn);
    c.addEventListener("pointerdown", (e) => this._down(e));
    c.addEventListener("pointermove", (e) => this._move(e));
    c.addEventListener("pointerup", (e) => this._up(e));
    c.addEventListener("pointercancel", (e) => this._up(e));
    c.addEventListener("lostpointercapture", (e) => this._up(e));  // no pen left stuck down
    // The inner fields' input events would escape the shadow root: the host fires its own.
    this.shadowRoot.addEventListener("input", (e) => e.stopPropagation());
    on(".undo", "click", () => this.undo());
    on(".redo", "click", () => this.redo());
    on(".clear", "click", () => this.clear());
    on(".copy", "click", () => this._copy());
    on(".typed", "submit", (e) => { e.preventDefault(); this._typedSubmit(false); });
    on(".confirm", "click", () => this._typedSubmit(true));
    this._field.addEventListener("input", () => this._typedInput());
    this._field.addEventListener("change", () => { if (!this._strokes.length) this._fireChange(); });
    on(".number", "click", (e) => this._toggleFix(e.target.closest(".dig")));
    on(".cards", "click", (e) => this._toggleFix(e.target.closest(".card")));
    on(".fix", "click", (e) => this._fixAction(e.target.closest("button")));
    on(".fix", "submit", (e) => { e.preventDefault(); this._split(e.target); });
    on(".alts", "click", (e) => {
      const b = e.target.closest("button[data-text]");
      if (b) this._useNumber(b.dataset.text);
    });
    this._onKey = (e) => this._key(e);
    this._dark = window.matchMedia("(prefers-color-scheme: dark)");
    this._dark.addEventListener("change", () => this._redraw());
  }

  _key(e) {
    if (this._disabled || e.defaultPrevented) return;
    const path = e.composedPath(), inside = path.includes(this);
    if (!inside && isEditable(path[0])) return;  // the host page's own fields keep their keys
    const inField = isEditable(path[0]) && inside;
    const key = e.key.toLowerCase(), mod = e.ctrlKey || e.metaKey;
    if (e.key === "Escape") {
      e.preventDefault();
      if (this._open >= 0) this._closeFix(true);
      else if (inField) this._$(".number").focus();  // leave the field; Esc again clears
      else this.clear();
      return;
    }
    if (!mod || (inField && path[0].value)) return;  // a field with text keeps its own undo
    if ((key === "z" && e.shiftKey) || (key === "y" && !e.shiftKey)) { e.preventDefault(); this.redo(); }
    else if (key === "z") { e.preventDefault(); this.undo(); }
  }

  // --- drawing ---
  _fit() {
    const r = this._canvas.getBoundingClientRect();
    if (!r.width || !r.height) return;
    this._ref ??= { w: r.width, h: r.height };
    this._k = Math.min(r.width / this._ref.w, r.height / this._ref.h);
    this._ctx = fitCanvas(this._canvas);
    this._redraw();
  }

  _point(e) {
    if (this._t0 === null) {
      const last = this._strokes.at(-1)?.at(-1);
      this._t0 = e.timeStamp - (last ? (last[2] ?? 0) + 500 : 0);  // continue a restored drawing
    }
    const r = this._canvas.getBoundingClientRect(), k = this._k;
    const round = (v) => Math.round(v * 10) / 10;
    return [round((e.clientX - r.left) / k), round((e.clientY - r.top) / k),
            Math.round(e.timeStamp - this._t0)];
  }

  _down(e) {
    if (this._disabled || (e.pointerType === "mouse" && e.button !== 0)) return;
    // A stroke still open means its pen-up never came (or comes late): keep it, don't lose
    // the new one.
    if (this._active) this._up({ pointerId: this._active.id });
    e.preventDefault();
    this._canvas.setPointerCapture?.(e.pointerId);
    this._seq += 1;            // an answer for the strokes before this one would flash: drop it
    this._abort?.abort();
    clearTimeout(this._settle);
    this.lastPointerType = e.pointerType;
    this._active = { id: e.pointerId, stroke: [this._point(e)], downAt: e.timeStamp };
    this._open = -1;
    this._render();
  }

  _move(e) {
    if (e.pointerId !== this._active?.id) return;
    e.preventDefault();
    const stroke = this._active.stroke;
    if (!this._ctx) this._fit();
    const events = e.getCoalescedEvents?.() ?? [];
    for (const ev of events.length ? events : [e]) {
      const p = this._point(ev), q = stroke.at(-1);
      if (p[0] === q[0] && p[1] === q[1]) continue;
      stroke.push(p);
      this._inkTransform();
      drawStroke(this._ctx, [q, p], this._colors().ink);
    }
  }

  _up(e) {
    if (e.pointerId !== this._active?.id) return;
    // A late lostpointercapture of the previous stroke (same pointer id) is no pen-up of this one.
    if (e.type === "lostpointercapture" && this._active.stroke.length === 1 &&
        e.timeStamp - this._active.downAt < 50) return;
    const { stroke } = this._active;
    this._active = null;
    const under = isScratchOut(stroke) ? strokesUnder(stroke, this._strokes) : [];
    this._record();
    this._strokes = under.length ? this._strokes.filter((_, i) => !under.includes(i))
                                 : [...this._strokes, stroke];
    this._inkChanged();
  }

  _record() {
    this._done.push(this._strokes);   // stroke lists are replaced, never changed: no copy needed
    this._undone = [];
  }

  _step(from, to) {
    if (this._active || !from.length) return;
    to.push(this._strokes);
    this._strokes = from.pop();
    this._inkChanged();
  }

  _colors() {
    const css = getComputedStyle(this);
    const palette = this._dark.matches ? PALETTES.dark : PALETTES.light;
    return { ink: css.getPropertyValue("--in-ink").trim() || "#111827",
             rule: css.getPropertyValue("--in-rule").trim() || "#e2e8f0", ...palette };
  }

  _inkTransform() {
    const dpr = window.devicePixelRatio || 1;
    this._ctx.setTransform(dpr * this._k, 0, 0, dpr * this._k, 0, 0);
  }

  _redraw() {
    const ctx = this._ctx;
    if (!ctx) return;
    const colors = this._colors(), { width, height } = this._canvas.getBoundingClientRect();
    const dpr = window.devicePixelRatio || 1;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    ctx.fillStyle = colors.rule;
    for (let y = 80 * this._k; y < height; y += 80 * this._k) ctx.fillRect(0, y, width, 1);
    this._inkTransform();
    for (const s of this._strokes) drawStroke(ctx, s, colors.ink);
    if (this._active) drawStroke(ctx, this._active.stroke, colors.ink);
    this._drawBoxes(ctx, colors);
  }

  _drawBoxes(ctx, { colors, text }) {
    const k = this._k, pad = 8 / k;
    ctx.save();
    ctx.font = `600 ${15 / k}px system-ui, sans-serif`;
    this._parts.forEach((part, i) => {
      const color = colors[i % colors.length], unsure = part.state !== "ok" && part.state !== "fixed";
      const [x0, y0, x1, y1] = part.bbox;
      ctx.strokeStyle = ctx.fillStyle = color;
      ctx.lineWidth = (unsure ? 3 : 2) / k;
      ctx.setLineDash(unsure ? [3 / k, 3 / k] : [6 / k, 4 / k]);
      ctx.strokeRect(x0 - pad, y0 - pad, x1 - x0 + 2 * pad, y1 - y0 + 2 * pad);
      ctx.setLineDash([]);
      if (this._override !== null) return;
      const tag = this._tag(part), w = ctx.measureText(tag).width + 10 / k, h = 20 / k;
      const top = y0 - pad - h >= 0 ? y0 - pad - h : y0 - pad;
      ctx.fillRect(x0 - pad, top, w, h);
      ctx.fillStyle = text;
      ctx.fillText(tag, x0 - pad + 5 / k, top + h - 5 / k);
    });
    ctx.restore();
  }

  _tag(part) {
    if (part.text === null) return "?";
    if (part.state === "none") return "×";
    return part.state === "doubt" ? `${part.text}?` : part.text;
  }

  // --- reading ---
  _inkChanged() {
    this._seq += 1;
    this._abort?.abort();
    clearTimeout(this._settle);
    Object.assign(this, { _override: null, _open: -1, _confirm: null, _error: "" });
    this._status = { text: "", tone: "" };
    this.dispatchEvent(new Event("ink"));  // e.g. to keep the drawing across page loads
    if (!this._strokes.length) {
      Object.assign(this, { _t0: null, _data: null, _parts: [], _busy: false });
      this._updateValue();
      this._render();
      this._scheduleSettle();
      return;
    }
    this._busy = true;
    this._render();
    this._recognize(this._seq);
  }

  async _recognize(mine) {
    const ctrl = new AbortController();
    this._abort = ctrl;
    let res;
    try {
      res = await postJSON(this._url, { strokes: this._strokes, crops: this.hasAttribute("crops") },
                           ctrl.signal);
    } catch { return; }  // aborted: the ink changed and a newer request is on its way
    if (mine !== this._seq) return;
    this._busy = false;
    if (res.ok) {
      this._data = res.data;
      this._parts = partsFrom(res.data, this._doubt);
    } else {
      this._error = `Couldn't read the drawing: ${res.data.error}`;
      this._announce(this._error);
    }
    this._updateValue();
    this._render();
    if (res.ok) this._scheduleSettle();
  }

  /** The number the parts spell, "" if every part is "not a digit", null if one is unread. */
  _label() {
    if (this._override !== null) return this._override;
    if (this._parts.some((p) => p.text === null)) return null;
    return this._parts.map((p) => p.text).join("");
  }

  _updateValue(quiet = false) {
    const typed = this._field.value.trim();
    const v = this._strokes.length ? (this._error ? "" : this._label() ?? "")
                                   : (labelProblem(typed) ? "" : typed);
    if (v === this._value) return;
    this._value = v;
    this._internals.setFormValue(v || null, typed);
    if (!quiet) this.dispatchEvent(new Event("input", { bubbles: true, composed: true }));
  }

  _fireChange() {
    if (this._value === this._changed) return;
    this._changed = this._value;
    this.dispatchEvent(new Event("change", { bubbles: true }));
  }

  _scheduleSettle() {
    clearTimeout(this._settle);
    this._settle = setTimeout(() => {
      if (this.busy) return;
      this._announce(this._sentence());
      this._fireChange();
    }, SETTLE_MS);
  }

  _announce(text) { this._$(".live").textContent = text; }

  /** The settled reading in words, for the live region. */
  _sentence() {
    if (!this._strokes.length) return this._value ? `Typed ${this._value}.` : "No number drawn.";
    const label = this._label();
    if (label === "") return "Every part is marked not a digit.";
    if (this._override !== null) return `Read ${[...label].join(" ")}.`;
    const spoken = this._parts.map((p) => p.text ?? "unreadable").filter((t) => t !== "");
    let text = `Read ${spoken.join(" ")}.`;
    const bad = this._parts.findIndex((p) => p.text === null);
    const doubt = this._parts.findIndex((p) => p.state === "doubt");
    if (bad >= 0) text += ` Can't read the ${ordinal(bad)} part.`;
    else if (doubt >= 0) {
      const p = this._parts[doubt];
      text += ` Unsure of the ${ordinal(doubt)} digit: ${p.text} at ${pct(p.confidence)}.`;
    }
    return text;
  }

  // --- corrections ---
  _toggleFix(button) {
    if (!button || this._override !== null || this.busy) return;
    const i = Number(button.dataset.i);
    this._open = this._open === i ? -1 : i;
    this._render();
    if (this._open >= 0) this._$(".fix button")?.focus();
  }

  _closeFix(refocus) {
    const i = this._open;
    this._open = -1;
    this._render();
    if (refocus) this._$(`.dig[data-i="${i}"]`)?.focus();
  }

  _fixAction(button) {
    const part = this._parts[this._open];
    if (!button || !part) return;
    const act = button.dataset.action;
    if (act === "close") { this._closeFix(true); return; }
    if (act === "merge") { this._merge(this._open); return; }
    if (act === "split") {
      this._splitting = true;
      this._render();
      this._$(".split input")?.focus();
      return;
    }
    if (act === "digit" || act === "none") {
      Object.assign(part, act === "digit" ? { text: button.dataset.d, state: "fixed" }
                                          : { text: "", state: "none" });
      this._commit(this._open);
    }
  }

  _split(form) {
    const input = form.querySelector("input"), digits = input.value.trim();
    if (!/^[0-9]{2,}$/.test(digits)) {
      form.querySelector(".split-msg").textContent = "Type the two or more digits this part holds.";
      input.focus();
      return;
    }
    Object.assign(this._parts[this._open], { text: digits, state: "fixed" });
    this._commit(this._open);
  }

  async _merge(i) {
    const a = this._parts[i], b = this._parts[i + 1], mine = this._seq;
    const strokes = [...a.strokes, ...b.strokes].sort((x, y) => x - y);
    const bbox = [Math.min(a.bbox[0], b.bbox[0]), Math.min(a.bbox[1], b.bbox[1]),
                  Math.max(a.bbox[2], b.bbox[2]), Math.max(a.bbox[3], b.bbox[3])];
    const res = await postJSON(this._url, { strokes: strokes.map((s) => this._strokes[s]) });
    if (mine !== this._seq) return;
    this._status = { text: "", tone: "" };
    const one = res.ok && res.data.digits.length === 1 ? res.data.digits[0] : null;
    this._parts.splice(i, 2, { strokes, bbox, probabilities: one?.probabilities ?? null,
                               confidence: one?.confidence ?? 0, guess: one ? String(one.label) : "?",
                               text: null, state: "pick" });
    this._open = i;
    this._updateValue();
    this._render();
    this._$(".fix button")?.focus();
  }

  /** A whole number chosen: spread over the parts when it has as many digits. */
  _useNumber(text) {
    if (text.length === this._parts.length && this._override === null) {
      this._parts.forEach((p, i) => Object.assign(p, { text: text[i], state: "fixed" }));
    } else {
      this._override = text;
    }
    this._commit(-1);
  }

  _commit(part) {
    this._open = -1;
    this._splitting = false;
    const label = this._label();
    if (label === "") {
      this._status = { text: "Nothing to save: every part is marked “not a digit”.", tone: "warn" };
    }
    this._updateValue();
    this._render();
    if (part >= 0) this._$(`.dig[data-i="${part}"]`)?.focus();
    if (!label) return;  // another part is still unread, or nothing is left: the message says so
    this._announce(`Corrected: ${this._sentence()}`);
    this._fireChange();
    this._save(label);
  }

  async _save(label) {
    const predicted = this._data?.text ?? null;
    const body = { strokes: this._strokes, label, predicted };
    const detail = { strokes: this.strokes, label, predicted, body };
    const go = this.dispatchEvent(new CustomEvent("correction", { bubbles: true, composed: true,
                                                                  cancelable: true, detail }));
    const url = this.getAttribute("samples-url");
    if (!go || !url) return;
    const key = `${JSON.stringify(body.strokes)}|${label}`, mine = this._seq;
    const show = (text, tone) => {
      if (mine !== this._seq || this._label() !== label) return;  // stale: ink or label changed
      this._status = { text, tone };
      this._render();
    };
    if (this._saved.has(key)) { show(`Already saved as “${label}”.`, "ok"); return; }
    this._saved.add(key);  // before the answer, so a second click cannot store it twice
    show(`Saving “${label}”…`, "");
    const res = await postJSON(url, body);
    if (!res.ok) {
      this._saved.delete(key);
      this._announce(`Not saved: ${res.data.error}`);
      show(`Not saved: ${res.data.error}`, "error");
      return;
    }
    const learnt = learntPhrase(res.data.learnt);
    show(`Saved “${label}”${learnt ? ` — ${learnt}` : " — thank you"}.`, "ok");
    if (learnt) this._announce(learnt);
    this.dispatchEvent(new CustomEvent("saved", { bubbles: true, composed: true,
                                                  detail: res.data }));
  }

  // --- the typed number ---
  _typedInput() {
    this._confirm = null;
    this._status = { text: "", tone: "" };
    this._updateValue();
    this._render();
  }

  _typedSubmit(confirmed) {
    const text = this._field.value.trim();
    if (!this._strokes.length) {
      this._fireChange();
      if (!labelProblem(text)) this.form?.requestSubmit();
      return;
    }
    if (labelProblem(text) || this.busy) { this._field.focus(); this._render(); return; }
    if (text.length !== this._parts.length && !confirmed) {
      this._confirm = text;
      this._render();
      this._$(".confirm").focus();
      return;
    }
    this._field.value = "";
    this._confirm = null;
    this._useNumber(text);
  }

  _typedMessage() {
    const text = this._field.value.trim();
    if (!text) return { text: "", tone: "" };
    const problem = labelProblem(text);
    if (problem) return { text: problem, tone: "error" };
    const drawn = this._parts.length;
    if (!this._strokes.length || this.busy || text.length === drawn) return { text: "", tone: "" };
    const msg = `You typed ${text.length} digit${text.length === 1 ? "" : "s"}; ` +
                `the drawing has ${drawn}.`;
    return { text: this._confirm === text ? `${msg} Save “${text}” anyway?` : msg, tone: "warn" };
  }

  async _copy() {
    if (!this._value) return;
    const b = this._$(".copy");
    try {
      await navigator.clipboard.writeText(this._value);
      b.textContent = `Copied ${this._value}`;
    } catch {
      b.textContent = "Can't copy here";  // no clipboard permission (or not a secure page)
    }
    setTimeout(() => { b.textContent = "Copy number"; }, 1500);
  }

  _reset() {
    clearTimeout(this._settle);
    this._abort?.abort();
    this._seq += 1;
    Object.assign(this, { _strokes: [], _done: [], _undone: [], _active: null, _t0: null,
                          _data: null, _parts: [], _busy: false, _override: null, _error: "",
                          _open: -1, _confirm: null });
    this._status = { text: "", tone: "" };
    this._field.value = "";
    this._updateValue(true);
    this._changed = this._value;
  }

  // --- rendering ---
  _render() {
    const root = this.shadowRoot, focused = root.activeElement;
    // Buttons are rebuilt below: find the focused one's successor by its attributes.
    const focusKey = focused && !focused.matches("input") &&
      ["class", "data-i", "data-action", "data-d", "data-text"].map((a) => (focused.hasAttribute(a)
        ? `[${a}="${CSS.escape(focused.getAttribute(a))}"]` : `:not([${a}])`)).join("");
    const ink = this._strokes.length > 0, disabled = this._disabled;
    this._renderNumber();
    const msg = this._message(), msgEl = this._$(".msg");
    msgEl.textContent = msg.text;
    msgEl.dataset.tone = msg.tone;
    this._$("label[for=typed]").textContent = ink ? "Wrong? Type the right number"
                                                  : "Or type the number";
    const typed = this._typedMessage(), typedEl = this._$(".typed-msg");
    typedEl.textContent = typed.text;
    typedEl.dataset.tone = typed.tone;
    this._field.setAttribute("aria-invalid", String(typed.tone === "error"));
    this._field.disabled = disabled;
    const save = this._$(".save");
    save.hidden = !ink;
    save.disabled = disabled || this.busy;
    const confirm = this._$(".confirm");
    confirm.hidden = this._confirm === null || this._confirm !== this._field.value.trim();
    confirm.textContent = `Save “${this._confirm ?? ""}” anyway`;
    this._renderFix();
    this._renderAlternatives();
    this._renderCards();
    this._$(".undo").disabled = disabled || !this._done.length;
    this._$(".redo").disabled = disabled || !this._undone.length;
    this._$(".clear").disabled = disabled || !ink;
    this._$(".copy").disabled = disabled || !this._value;
    this._internals.ariaLabel = this.getAttribute("label");  // else a <label for> names it
    this._validate();
    this._redraw();
    if (focusKey && !root.activeElement) root.querySelector(focusKey)?.focus();
    // a focused button now disabled (Clear, with no ink left) drops focus to the page in
    // Chromium, and the element's shortcuts with it: keep focus inside, on the number
    const active = root.activeElement;
    if (focused && (!active || active.disabled)) this._$(".number").focus();
    if (root.activeElement?.disabled) this._$(".number").focus();  // keep the keys working here
  }

  _renderNumber() {
    const number = this._$(".number"), ink = this._strokes.length > 0;
    number.dataset.state = this.busy ? "busy" : this._error ? "error" : ink ? "ready" : "empty";
    number.dataset.seq = String(this._seq);
    let children;
    if (!ink) {
      children = this._value ? [...this._value].map((d) => el("span", { textContent: d }))
                             : [el("span", { className: "empty", textContent: "no number yet" })];
    } else if (this._override !== null) {
      children = [...this._override].map((d) => el("span", { className: "dig", textContent: d }));
    } else {
      children = this._parts.map((p, i) => {
        const b = el("button", { type: "button", className: "dig", textContent: this._shown(p) });
        b.dataset.i = String(i);
        b.dataset.state = p.state;
        b.setAttribute("aria-expanded", String(this._open === i));
        b.setAttribute("aria-label", `${this._describe(p, i)}. Fix it`);
        return b;
      });
    }
    number.toggleAttribute("data-long", (this._label() ?? "").length > 8 || this._parts.length > 8);
    number.replaceChildren(...children);
  }

  _shown(p) {
    if (p.text === null) return "?";
    return p.state === "none" ? "×" : p.text;
  }

  _describe(p, i) {
    if (p.state === "pick") return `Merged part ${i + 1}: which digit is it?`;
    if (p.text === null) return `Part ${i + 1}: can't read this part`;
    if (p.state === "none") return `Part ${i + 1}: not a digit`;
    if (p.state === "fixed") return `Digit ${i + 1}: ${p.text}, corrected`;
    const doubt = p.state === "doubt" ? ", unsure" : "";
    return `Digit ${i + 1}: ${p.text}, ${pct(p.confidence)}${doubt}`;
  }

  _message() {
    if (this._error) return { text: this._error, tone: "error" };
    if (this._status.text) return this._status;
    if (!this._strokes.length) {
      return { text: "Draw a number in the box, digit after digit, or type it.", tone: "" };
    }
    if (this.busy && !this._parts.length) return { text: "Reading…", tone: "" };
    if (this._override !== null) return { text: "Corrected.", tone: "ok" };
    const pick = this._parts.findIndex((p) => p.state === "pick");
    if (pick >= 0) return { text: `Merged: which digit is the ${ordinal(pick)} part?`, tone: "warn" };
    const bad = this._parts.findIndex((p) => p.text === null);
    if (bad >= 0) {
      return { text: `Can't read this part: the ${ordinal(bad)} one (?). Tap it to say ` +
                     "which digit it is, or redraw it.", tone: "error" };
    }
    const doubt = this._parts.findIndex((p) => p.state === "doubt");
    if (doubt >= 0) {
      const p = this._parts[doubt];
      return { text: `Not sure of the ${ordinal(doubt)} digit (${p.text}, ${pct(p.confidence)}): ` +
                     "tap it to fix.", tone: "warn" };
    }
    return { text: "Tap a digit to fix it.", tone: "" };
  }

  _renderFix() {
    const fix = this._$(".fix"), part = this._parts[this._open];
    fix.hidden = !part || this.busy;
    if (fix.hidden) { fix.replaceChildren(); this._splitting = false; return; }
    const i = this._open;
    fix.setAttribute("aria-label", `Fix ${i + 1}`);
    const button = (text, action, extra = {}) => {
      const b = el("button", { type: "button", textContent: text });
      b.dataset.action = action;
      Object.entries(extra).forEach(([k, v]) => { b.dataset[k] = v; });
      return b;
    };
    const probs = part.probabilities ?? Array(10).fill(null);
    const order = probs.map((p, d) => ({ p, d })).sort((a, b) => (b.p ?? 0) - (a.p ?? 0));
    const choices = order.map(({ p, d }) => {
      const b = button("", "digit", { d: String(d) });
      b.className = "choice";
      b.append(el("b", { textContent: String(d) }));
      if (p !== null) b.append(el("span", { className: "vh", textContent: ", " }), el("small", { textContent: pct(p) }));
      b.setAttribute("aria-pressed", String(part.text === String(d)));
      return b;
    });
    const children = [el("p", { className: "fix-title", textContent: this._describe(part, i) }),
                      ...choices, button("Not a digit", "none")];
    if (i + 1 < this._parts.length) children.push(button("Merge with next", "merge"));
    children.push(button("Split…", "split"), button("Close", "close"));
    if (this._splitting) {
      const input = el("input", { inputMode: "numeric", autocomplete: "off" });
      input.setAttribute("aria-label", `Digits in part ${i + 1}`);
      input.placeholder = "e.g. 00";
      const form = el("form", { className: "split" }, input, " ",
                      el("button", { type: "submit", textContent: "Use these digits" }),
                      el("span", { className: "split-msg" }));
      form.querySelector(".split-msg").dataset.tone = "error";
      children.push(form);
    }
    fix.replaceChildren(...children);
  }

  _renderAlternatives() {
    const box = this._$(".alts"), label = this._label();
    const original = this._data?.text ?? "";
    const texts = this._strokes.length && !this.busy && this._data
      ? rankAlternatives(this._data.alternatives, label ?? original,
                         label !== null && label !== original ? [original] : []) : [];
    box.toggleAttribute("data-empty", !texts.length);
    box.replaceChildren(box.firstElementChild, ...texts.map((t) => {
      const b = el("button", { type: "button", textContent: t });
      b.dataset.text = t;
      b.setAttribute("aria-label", `Use ${t}`);
      return b;
    }));
  }

  _renderCards() {
    const key = `${this._seq}|${this._open}|${JSON.stringify(this._parts.map((p) => [p.text, p.state]))}` +
                `|${this._override}|${this._dark.matches}`;
    if (key === this._cardsKey) return;
    this._cardsKey = key;
    const { colors } = this._colors(), crops = this._data?.digits ?? [];
    const cards = this._override !== null ? [] : this._parts.map((p, i) => {
      const b = el("button", { type: "button", className: "card" });
      b.dataset.i = String(i);
      b.dataset.state = p.state;
      b.style.borderLeftColor = colors[i % colors.length];
      b.setAttribute("aria-expanded", String(this._open === i));
      b.append(el("span", { className: "vh", textContent: `Fix ${p.state === "ok" || p.state === "doubt" ? "digit" : "part"} ${i + 1}: ` }));
      const png = p.strokes === crops[i]?.strokes ? crops[i].crop_png : null;
      if (png) {
        const c = el("canvas", { width: 56, height: 56 });
        drawPng(c, png).catch(() => c.remove());
        b.append(c);
      }
      const state = p.text === null ? (p.state === "pick" ? "which digit?" : "can't read this part")
        : p.state === "none" ? "not a digit" : p.state === "fixed" ? "corrected"
        : `${pct(p.confidence)}${p.state === "doubt" ? ", unsure" : ""}`;
      b.append(el("span", { className: "title", textContent: this._shown(p) }),
               el("span", { className: "state", textContent: state }));
      if (p.probabilities) b.append(this._bars(p.probabilities));
      return el("li", {}, b);
    });
    this._$(".cards").replaceChildren(...cards);
  }

  _bars(probs) {
    const top = probs.map((p, d) => ({ p, d })).sort((a, b) => b.p - a.p).slice(0, 3);
    const list = el("ol", { className: "bars" });
    list.setAttribute("aria-hidden", "true");
    for (const { p, d } of top) {
      const fill = el("span");
      fill.style.width = `${(p * 100).toFixed(1)}%`;
      list.append(el("li", {}, el("span", { textContent: String(d) }), el("span", { className: "bar" }, fill),
                     el("span", { className: "p", textContent: pct(p) })));
    }
    return list;
  }

  _validate() {
    let flags = {}, message = "";
    const unread = this._parts.findIndex((p) => p.text === null), typed = this._field.value.trim();
    if (this.busy) {
      flags = { customError: true }; message = "Still reading the number: try again in a moment.";
    } else if (this._strokes.length && this._error) {
      flags = { customError: true }; message = this._error;
    } else if (this._strokes.length && this._override === null && unread >= 0) {
      flags = { customError: true };
      message = `Can't read the ${ordinal(unread)} part: pick its digit or redraw it.`;
    } else if (!this._strokes.length && typed && labelProblem(typed)) {
      flags = { badInput: true }; message = labelProblem(typed);
    } else if (this.hasAttribute("required") && !this._value) {
      flags = { valueMissing: true }; message = "Write or type a number.";
    }
    this._internals.setValidity(flags, message, this._field);
  }
}

if (!customElements.get("ink-number")) customElements.define("ink-number", InkNumber);
