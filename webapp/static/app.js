// The drawing page: one <ink-number> (live reading, corrections saved to /api/samples, each
// teaching this browser's profile), its drawing kept for "How it works" and across reloads
// of the tab, and the profile's state with "Forget my handwriting".
import "./ink-number.js";
import { loadLastDrawing, saveLastDrawing } from "./ink.js";

const PROFILE_URL = "/api/profile";
const field = document.getElementById("ink");
const status = document.getElementById("profile-status");
const forget = document.getElementById("forget");
field.addEventListener("ink", () => saveLastDrawing(field.strokes));
window.inkdigits = { field };

/** The profile's state, in words: how many corrections it learnt. */
export function describeProfile(profile) {
  if (!profile || !profile.corrections) {
    return "Nothing learnt yet: correct a misread number and your next drawings are read in your hand.";
  }
  const n = profile.corrections;
  return `Readings use your handwriting: learnt from ${n} correction${n === 1 ? "" : "s"}.`;
}

function showProfile(profile, note = "") {
  status.textContent = note ? `${note} ${describeProfile(profile)}` : describeProfile(profile);
  forget.hidden = !profile;
}

field.addEventListener("saved", (e) => {
  if (e.detail.profile) showProfile(e.detail.profile);
});

forget.addEventListener("click", async () => {
  forget.disabled = true;
  try {
    const res = await fetch(PROFILE_URL, { method: "DELETE" });
    const data = await res.json().catch(() => ({ error: `HTTP ${res.status}` }));
    if (!res.ok) throw new Error(data.error || `HTTP ${res.status}`);
    showProfile(null, "Forgotten: readings are the shared model's again.");
    status.focus();  // the button is gone: keep the keyboard's place next to it
  } catch (err) {
    status.textContent = `Not forgotten: ${err.message || "can't reach the server"}`;
  } finally {
    forget.disabled = false;
  }
});

fetch(PROFILE_URL).then((r) => (r.ok ? r.json() : null))
  .then((data) => { if (data) showProfile(data.profile); })
  .catch(() => {})
  .finally(() => { status.dataset.loaded = "true"; });  // the profile's state is known

const restored = loadLastDrawing();
if (restored.length) field.strokes = restored;
