// The drawing page: live recognition after each stroke, digit details, undo/clear/copy,
// and corrections sent to /api/samples.
import { InkPad, postJSON, saveLastDrawing, loadLastDrawing } from "./ink.js";

const $ = (id) => document.getElementById(id);
const DEBOUNCE_MS = 120;
let seq = 0;              // bumped on every change: answers to older requests are dropped
let timer = null;
let result = { text: "", digits: [], alternatives: [] };

const pad = new InkPad($("pad"), changed);
window.inkdigits = { pad, get result() { return result; }, get seq() { return seq; } };

function changed() {
  seq += 1;
  saveLastDrawing(pad.strokes);
  clearTimeout(timer);
  $("fix-status").textContent = "";
  if (!pad.strokes.length) { show({ text: "", digits: [], alternatives: [] }, "empty"); return; }
  $("number").dataset.state = "busy";
  const mine = seq;
  timer = setTimeout(() => recognize(mine), DEBOUNCE_MS);
}

async function recognize(mine) {
  let res;
  try {
    res = await postJSON("/api/recognize", { strokes: pad.strokes, crops: true });
  } catch (err) {
    res = { ok: false, data: { error: "cannot reach the server" } };
  }
  if (mine !== seq) return;  // the drawing changed meanwhile: a newer answer is coming
  if (!res.ok) { showError(res.data.error); return; }
  show(res.data, "ready");
}

function show(data, state) {
  result = data;
  const number = $("number");
  number.textContent = data.text || "—";
  number.dataset.state = state;
  number.dataset.seq = String(seq);
  $("message").textContent = state === "empty" ? "Draw a number in the box, digit after digit." : "";
  $("copy").disabled = !data.text;
  $("fix-save").disabled = !pad.strokes.length;
  pad.setDigits(data.digits);
  renderDigits(data.digits);
  const alts = data.alternatives.map((a) => a.text).filter((t) => t && t !== data.text);
  $("alternatives").textContent = alts.length ? `Also possible: ${alts.slice(0, 3).join(", ")}` : "";
}

function showError(message) {
  $("number").dataset.state = "error";
  $("message").textContent = message;
}

function renderDigits(digits) {
  const list = $("digits");
  list.replaceChildren(...digits.map((d, i) => digitCard(d, i)));
}

function digitCard(d, i) {
  const li = document.createElement("li");
  li.className = "digit";
  li.style.setProperty("--group", `var(--g${i % 8})`);
  const img = document.createElement("img");
  img.alt = `28×28 crop of digit ${i + 1}`;
  img.width = img.height = 84;
  if (d.crop_png) img.src = `data:image/png;base64,${d.crop_png}`;
  const top = d.probabilities.map((p, label) => ({ p, label }))
    .sort((a, b) => b.p - a.p).slice(0, 3);
  const bars = document.createElement("ol");
  bars.className = "top3";
  for (const { p, label } of top) {
    const row = document.createElement("li");
    row.innerHTML = `<span class="lab">${label}</span><span class="bar"><span style="width:${(p * 100).toFixed(1)}%"></span></span><span class="pct">${(p * 100).toFixed(1)}%</span>`;
    bars.append(row);
  }
  li.append(img, bars);
  return li;
}

async function copyNumber() {
  if (!result.text) return;
  try {
    await navigator.clipboard.writeText(result.text);
  } catch {
    const area = Object.assign(document.createElement("textarea"), { value: result.text });
    document.body.append(area); area.select(); document.execCommand("copy"); area.remove();
  }
  $("copy-status").textContent = `Copied ${result.text}`;
  setTimeout(() => { $("copy-status").textContent = ""; }, 1500);
}

async function saveCorrection(event) {
  event.preventDefault();
  const input = $("fix-label"), status = $("fix-status");
  const label = input.value.trim();
  if (!/^[0-9]{1,64}$/.test(label)) { status.textContent = "Type digits 0–9 only."; return; }
  if (!pad.strokes.length) { status.textContent = "Draw the number first."; return; }
  status.textContent = "Saving…";
  const res = await postJSON("/api/samples",
                             { strokes: pad.strokes, label, predicted: result.text || null })
    .catch(() => ({ ok: false, data: { error: "cannot reach the server" } }));
  status.textContent = res.ok ? `Saved as “${label}” — thank you! (sample #${res.data.id})`
                              : `Not saved: ${res.data.error}`;
  status.dataset.state = res.ok ? "saved" : "error";
  if (res.ok) input.value = "";
}

function onKey(e) {
  if (e.target.closest("input, textarea")) return;  // let text fields keep their own keys
  if ((e.ctrlKey || e.metaKey) && !e.shiftKey && e.key.toLowerCase() === "z") {
    e.preventDefault(); pad.undo();
  } else if (e.key === "Escape") {
    pad.clear();
  }
}

$("undo").addEventListener("click", () => pad.undo());
$("clear").addEventListener("click", () => pad.clear());
$("copy").addEventListener("click", copyNumber);
$("fix").addEventListener("submit", saveCorrection);
document.addEventListener("keydown", onKey);

const restored = loadLastDrawing();
if (restored.length) { pad.setStrokes(restored); changed(); } else { changed(); }
