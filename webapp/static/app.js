// The drawing page: one <ink-number> (live reading, corrections saved to /api/samples),
// its drawing kept for "How it works" and across reloads of the tab.
import "./ink-number.js";
import { loadLastDrawing, saveLastDrawing } from "./ink.js";

const field = document.getElementById("ink");
field.addEventListener("ink", () => saveLastDrawing(field.strokes));
// Hook for personal profiles: a listener may add to the sample before it is stored, e.g.
//   field.addEventListener("correction", (e) => { e.detail.body.profile = profileId; });
window.inkdigits = { field };

const restored = loadLastDrawing();
if (restored.length) field.strokes = restored;
