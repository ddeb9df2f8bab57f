// car-ml's page: sends the form to the gateway's JSON API (same origin) and
// shows its answers. No framework; every number shown is the API's.
"use strict";

/** Mileages sampled for the value-against-mileage curve. */
const CURVE_POINTS = 11;

/** An answer of the API that is not a success: its status and error body. */
class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/**
 * Every request to the API goes through here. To send credentials (an
 * API key, say), add them to `headers` in this one place.
 */
async function api(method, path, body) {
  for (;;) {
    const headers = { accept: "application/json" };
    const key = sessionStorage.getItem(KEY_STORAGE);
    if (key) headers.authorization = `Bearer ${key}`;
    const init = { method, headers };
    if (body !== undefined) {
      headers["content-type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const response = await fetch(path, init);
    if (response.status === 401) {
      // The API is behind keys: ask for one, then send the request again.
      sessionStorage.removeItem(KEY_STORAGE);
      await askForKey(key ? "That key was not accepted. Enter another." : "This API needs a key. Enter yours.");
      continue;
    }
    let answer = null;
    try {
      answer = await response.json();
    } catch {
      // Not JSON: reported below by status.
    }
    if (!response.ok) {
      const error = answer && answer.error;
      throw new ApiError(
        response.status,
        error ? error.code : "http_" + response.status,
        error ? error.message : `the API answered ${response.status} ${response.statusText}`,
      );
    }
    return answer;
  }
}

// API keys: kept for this tab only (sessionStorage), asked for when the API
// answers 401. Requests waiting at the same time share one question.

const KEY_STORAGE = "car-ml-api-key";
let keyAsked = null;

function askForKey(message) {
  if (keyAsked) return keyAsked;
  keyAsked = new Promise((resolve) => {
    const form = $("key-form");
    const input = $("field-api-key");
    $("key-message").textContent = message;
    form.hidden = false;
    input.focus();
    form.addEventListener("submit", function kept(event) {
      event.preventDefault();
      const entered = input.value.trim();
      if (!entered) {
        $("key-message").textContent = "Enter a key.";
        input.focus();
        return;
      }
      sessionStorage.setItem(KEY_STORAGE, entered);
      input.value = "";
      form.hidden = true;
      form.removeEventListener("submit", kept);
      keyAsked = null;
      resolve();
    });
  });
  return keyAsked;
}

const $ = (id) => document.getElementById(id);
const SVG = "http://www.w3.org/2000/svg";
const dollars = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD", maximumFractionDigits: 0 });
const miles = new Intl.NumberFormat("en-US", { maximumFractionDigits: 1 });

function element(tag, attributes = {}, text) {
  const node = tag.startsWith("svg:") ? document.createElementNS(SVG, tag.slice(4)) : document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

/** The request body from the form: only the fields that were filled in. */
function requestBody(form) {
  const body = {};
  for (const field of form.elements) {
    if (!field.name || field.value === "") continue;
    body[field.name] = field.type === "number" ? Number(field.value) : field.value;
  }
  return body;
}

// Errors: each next to the field it concerns, in the API's words.

const REVIEW_ERRORS = ["empty_review", "review_too_long"];

/** The form field an API error is about, if the API says. */
function fieldOf(error, form) {
  if (error.code === "year_out_of_range") return "year";
  if (error.code === "mileage_out_of_range") return "mileage";
  if (REVIEW_ERRORS.includes(error.code)) return "review";
  // `unknown_value` starts with the field's name ("fuel `steam` is not
  // known..."); serde names a missing field as "missing field `year`".
  const named = error.code === "unknown_value" ? /^(\w+) `/.exec(error.message)
    : /field `(\w+)`/.exec(error.message);
  return named && form.elements[named[1]] ? named[1] : null;
}

function clearErrors(form) {
  for (const message of form.querySelectorAll(".error")) message.textContent = "";
  for (const field of form.querySelectorAll("[aria-invalid]")) field.removeAttribute("aria-invalid");
}

function showError(form, error) {
  const name = error instanceof ApiError ? fieldOf(error, form) : null;
  if (name) {
    const field = form.elements[name];
    form.querySelector(`[data-error-for="${name}"]`).textContent = error.message;
    field.setAttribute("aria-invalid", "true");
    field.focus();
  } else {
    $("form-error").textContent = error instanceof ApiError ? error.message : `The API could not be reached: ${error.message}`;
  }
}

// The answer.

function showValue(value) {
  const data = $("value");
  data.value = value.value_usd;
  data.textContent = dollars.format(value.value_usd);
  $("interval-text").textContent =
    `80% of comparable listings ask between ${dollars.format(value.low_usd)} and ${dollars.format(value.high_usd)}.`;
  $("interval-text").dataset.low = value.low_usd;
  $("interval-text").dataset.high = value.high_usd;
  // The range: the scale runs from zero to a round sum above the interval.
  const step = tickStep(value.high_usd, 4);
  const top = Math.ceil((value.high_usd * 1.1) / step) * step;
  const percent = (usd) => `${(100 * usd) / top}%`;
  $("range-band").style.left = percent(value.low_usd);
  $("range-band").style.width = `${(100 * (value.high_usd - value.low_usd)) / top}%`;
  $("range-mark").style.left = percent(value.value_usd);
  $("range-min").textContent = dollars.format(0);
  $("range-max").textContent = dollars.format(top);
  const reasons = $("extrapolation-reasons");
  reasons.replaceChildren(...value.extrapolation.map((reason) => element("li", {}, reason)));
  $("extrapolation").hidden = value.extrapolation.length === 0;
  $("car-value-version").textContent = value.model_version;
}

/** The sampled mileages: evenly from zero to past the entered mileage. */
function curveMileages(mileage, maxMileage) {
  const step = 25000;
  const top = Math.min(maxMileage, Math.max(150000, Math.ceil((1.5 * mileage) / step) * step));
  return Array.from({ length: CURVE_POINTS }, (_, i) => Math.round((top * i) / (CURVE_POINTS - 1)));
}

/** A "nice" step for about `count` ticks over `span`. */
function tickStep(span, count) {
  const raw = span / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 2.5, 5, 10].map((m) => m * power).find((step) => step >= raw);
}

/** The curve drawn last, redrawn when the page's width changes. */
let curve = null;

/** Draws the curve at the SVG's own width, so its text is never tiny. */
function drawCurve(points, entered) {
  curve = { points, entered };
  const svg = $("curve");
  const width = Math.max(300, Math.round(svg.getBoundingClientRect().width));
  const height = Math.round(Math.min(320, Math.max(240, width * 0.5)));
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.dataset.width = width;
  const margin = { left: 72, right: 20, top: 16, bottom: 44 };
  const maxX = points[points.length - 1].mileage;
  const maxY = Math.max(...points.map((p) => p.high_usd), entered.high_usd);
  const yStep = tickStep(maxY, 5);
  const yTop = Math.ceil(maxY / yStep) * yStep;
  const x = (m) => margin.left + ((width - margin.left - margin.right) * m) / maxX;
  const y = (usd) => height - margin.bottom - ((height - margin.top - margin.bottom) * usd) / yTop;
  const nodes = [];
  for (let usd = 0; usd <= yTop; usd += yStep) {
    nodes.push(element("svg:line", { class: "grid", x1: x(0), x2: x(maxX), y1: y(usd), y2: y(usd) }));
    nodes.push(element("svg:text", { x: margin.left - 8, y: y(usd) + 4, "text-anchor": "end" }, dollars.format(usd)));
  }
  const xStep = tickStep(maxX, width < 480 ? 4 : 6);
  for (let m = 0; m <= maxX; m += xStep) {
    nodes.push(element("svg:text", { x: x(m), y: height - margin.bottom + 18, "text-anchor": "middle" }, `${m / 1000}k`));
  }
  nodes.push(element("svg:text", { x: (margin.left + width - margin.right) / 2, y: height - 6, "text-anchor": "middle" }, "mileage (miles)"));
  nodes.push(element("svg:line", { class: "axis", x1: x(0), x2: x(maxX), y1: y(0), y2: y(0) }));
  nodes.push(element("svg:line", { class: "axis", x1: x(0), x2: x(0), y1: y(0), y2: y(yTop) }));
  const upper = points.map((p) => `${x(p.mileage)},${y(p.high_usd)}`);
  const lower = points.map((p) => `${x(p.mileage)},${y(p.low_usd)}`).reverse();
  nodes.push(element("svg:polygon", { class: "band", points: upper.concat(lower).join(" ") }));
  nodes.push(element("svg:polyline", { class: "line", points: points.map((p) => `${x(p.mileage)},${y(p.value_usd)}`).join(" ") }));
  for (const p of points) {
    const dot = element("svg:circle", { class: "point", cx: x(p.mileage), cy: y(p.value_usd), r: 3.5, "data-mileage": p.mileage, "data-value": p.value_usd });
    dot.append(element("svg:title", {}, `${miles.format(p.mileage)} miles: ${dollars.format(p.value_usd)}`));
    nodes.push(dot);
  }
  const ex = x(Math.min(entered.mileage, maxX));
  nodes.push(element("svg:line", { class: "entered", x1: ex, x2: ex, y1: y(0), y2: y(yTop) }));
  const mark = element("svg:circle", { class: "entered-point", id: "curve-entered", cx: ex, cy: y(entered.value_usd), r: 6, "data-mileage": entered.mileage, "data-value": entered.value_usd });
  mark.append(element("svg:title", {}, `This car, ${miles.format(entered.mileage)} miles: ${dollars.format(entered.value_usd)}`));
  nodes.push(mark);
  const label = element("svg:text", { class: "entered-label", y: margin.top + 12 }, `this car: ${dollars.format(entered.value_usd)}`);
  nodes.push(label);
  svg.replaceChildren(...nodes);
  // Beside the marker line, on whichever side it fits.
  const fitsRight = ex + 8 + label.getComputedTextLength() <= width - margin.right;
  label.setAttribute("x", fitsRight ? ex + 8 : ex - 8);
  label.setAttribute("text-anchor", fitsRight ? "start" : "end");

  const first = points[0];
  const last = points[points.length - 1];
  $("curve-summary").textContent = `From ${dollars.format(first.value_usd)} at 0 miles to ${dollars.format(last.value_usd)} at ${miles.format(last.mileage)} miles; `
    + `this car, at ${miles.format(entered.mileage)} miles, ${dollars.format(entered.value_usd)}.`;
  $("curve-table").tBodies[0].replaceChildren(...points.map((p) => {
    const row = element("tr");
    row.append(element("td", { class: "number" }, miles.format(p.mileage)),
      element("td", { class: "number" }, dollars.format(p.value_usd)),
      element("td", { class: "number" }, `${dollars.format(p.low_usd)} – ${dollars.format(p.high_usd)}`));
    return row;
  }));
}

/**
 * Asks the car-value service for the car's value at each sampled mileage,
 * and draws it. Its own route (`/api/trade`) answers as `/api/car-value`
 * does, but keeps no prediction: these are what-ifs, not cars to remember.
 */
async function showCurve(car, entered, maxMileage) {
  $("curve-status").textContent = "";
  const mileages = curveMileages(car.mileage, maxMileage);
  try {
    const answers = await Promise.all(mileages.map((mileage) => api("POST", "/api/trade", { ...car, mileage })));
    drawCurve(answers.map((answer, i) => ({ mileage: mileages[i], ...answer })), { mileage: car.mileage, ...entered });
  } catch (error) {
    $("curve").replaceChildren();
    $("curve-status").textContent = `The curve could not be drawn: ${error.message}`;
  }
}

// Sentiment.

/** Where the words of `text` are: lower-cased, with `’` as `'`. */
function words(text) {
  const found = [];
  for (const match of text.matchAll(/[\p{L}\p{N}'’‘`]+|[!?]/gu)) {
    const word = match[0].replace(/[’‘`]/g, "'").replace(/^'+|'+$/g, "").toLowerCase();
    if (word) found.push({ word, start: match.index, end: match.index + match[0].length });
  }
  return found;
}

/**
 * The spans of `text` to highlight: each explanation term's words (a term
 * in a negation's scope is written `not_word`; a pair, `a b`), strongest
 * term first, never overlapping.
 */
function highlights(text, explanation) {
  const tokens = words(text);
  const strongest = Math.max(...explanation.map((t) => Math.abs(t.weight)), 1e-9);
  const spans = [];
  const terms = [...explanation].sort((a, b) => Math.abs(b.weight) - Math.abs(a.weight));
  for (const term of terms) {
    const parts = term.term.split(" ").map((part) => part.replace(/^not_/, ""));
    for (let i = 0; i + parts.length <= tokens.length; i++) {
      if (!parts.every((part, k) => tokens[i + k].word === part)) continue;
      const span = { start: tokens[i].start, end: tokens[i + parts.length - 1].end, term };
      if (spans.some((s) => s.start < span.end && span.start < s.end)) continue;
      span.level = Math.min(3, 1 + Math.floor((3 * Math.abs(term.weight)) / strongest - 1e-9));
      spans.push(span);
    }
  }
  return spans.sort((a, b) => a.start - b.start);
}

function showSentiment(review, sentiment) {
  const label = $("sentiment-label");
  label.textContent = sentiment.label;
  label.className = `badge ${sentiment.label}`;
  $("sentiment-score").value = sentiment.score;
  $("sentiment-score").textContent = (sentiment.score > 0 ? "+" : "") + sentiment.score;
  $("sentiment-confidence").value = sentiment.confidence;
  $("sentiment-confidence").textContent = `${sentiment.confidence} (${Math.round(sentiment.confidence * 100)}%)`;

  const quote = $("review-text");
  const parts = [];
  let at = 0;
  for (const span of highlights(review, sentiment.explanation)) {
    parts.push(review.slice(at, span.start));
    const sign = span.term.weight >= 0 ? "positive" : "negative";
    const mark = element("mark", { class: `${sign} w${span.level}`, "data-term": span.term.term, "data-weight": span.term.weight }, review.slice(span.start, span.end));
    mark.title = `${span.term.term}: ${span.term.weight > 0 ? "+" : ""}${span.term.weight} (towards ${sign})`;
    parts.push(mark, element("span", { class: "visually-hidden" }, ` (${sign}, ${span.term.weight})`));
    at = span.end;
  }
  parts.push(review.slice(at));
  quote.replaceChildren(...parts);

  $("terms").tBodies[0].replaceChildren(...sentiment.explanation.map((term) => {
    const row = element("tr");
    row.append(element("td", {}, term.term),
      element("td", { class: "number" }, `${term.weight > 0 ? "+" : ""}${term.weight} (towards ${term.weight >= 0 ? "positive" : "negative"})`));
    return row;
  }));
  $("sentiment-version").textContent = sentiment.model_version;
}

// The model card: GET /api/models, readable.

function metricValue(name, value) {
  return name.endsWith("_usd") ? dollars.format(value) : String(value);
}

async function showModelCard(event) {
  event.preventDefault();
  const card = $("model-card");
  card.hidden = false;
  try {
    const { models } = await api("GET", "/api/models");
    const nodes = [];
    for (const model of models) {
      nodes.push(element("h4", {}, `${model.name}, version ${model.version}`));
      const table = element("table");
      table.append(element("caption", { class: "visually-hidden" }, `${model.name}: metrics on held-out data`));
      const head = element("tr");
      head.append(element("th", { scope: "col" }, "Held-out metric"), element("th", { scope: "col", class: "number" }, "Value"));
      table.append(element("thead"));
      table.tHead.append(head);
      const body = element("tbody");
      for (const [name, value] of Object.entries(model.metrics)) {
        const row = element("tr");
        row.append(element("th", { scope: "row" }, name.replaceAll("_", " ")), element("td", { class: "number" }, metricValue(name, value)));
        body.append(row);
      }
      table.append(body);
      nodes.push(table);
      nodes.push(element("p", { class: "live", "data-model": model.name }, liveFigures(model.live)));
    }
    const raw = element("p");
    raw.append(element("a", { href: "/api/models" }, "The same as JSON (GET /api/models)"));
    nodes.push(raw);
    card.replaceChildren(...nodes);
  } catch (error) {
    card.replaceChildren(element("p", { class: "error" }, error.message));
  }
  card.focus();
}

/** A model's live figures, from the truth callers sent back, in words. */
function liveFigures(live) {
  if (!live) return "Live figures: none (the prediction history is off or cannot be read).";
  const window = `Live, predictions of the last ${live.window_days} days`;
  if (live.feedback === 0) return `${window}: no feedback yet.`;
  const figures = [`${live.feedback} with feedback`];
  if ("mae_usd" in live) {
    figures.push(`mean absolute error ${dollars.format(live.mae_usd)}`,
      `${Math.round(100 * live.interval_coverage)}% of sale prices within the interval`);
  }
  if ("accuracy" in live) figures.push(`${Math.round(100 * live.accuracy)}% of labels right`);
  return `${window}: ${figures.join(", ")}.`;
}

// The history: the caller's recent predictions, and feedback on them.

const when = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

/** What a kept prediction answered, in words. */
function predicted(record) {
  const parts = [];
  if (record.car) parts.push(`${record.car.year}, ${miles.format(record.car.mileage)} miles: ${dollars.format(record.car.value_usd)}`);
  if (record.review) parts.push(`review ${record.review.label}`);
  return parts.join("; ");
}

/** The truth sent back about it, in words. */
function told(feedback) {
  if (!feedback) return "—";
  const parts = [];
  if (feedback.sold_price_usd !== undefined) parts.push(`sold for ${dollars.format(feedback.sold_price_usd)}`);
  if (feedback.label !== undefined) parts.push(`review ${feedback.label}`);
  return parts.join("; ");
}

/** The prediction the feedback form is about. */
let feedbackFor = null;

function chooseFeedback(record) {
  feedbackFor = record;
  const form = $("feedback-form");
  $("feedback-target").textContent = record.id;
  $("feedback-price").hidden = !record.car;
  $("feedback-label").hidden = !record.review;
  form.elements.sold_price_usd.value = record.feedback?.sold_price_usd ?? "";
  form.elements.label.value = record.feedback?.label ?? "";
  $("feedback-message").textContent = "";
  form.hidden = false;
}

/** Shows the caller's ten latest predictions; hidden when the history is off. */
async function showHistory() {
  try {
    const { predictions } = await api("GET", "/api/predictions?limit=10");
    $("history-table").tBodies[0].replaceChildren(...predictions.map((record) => {
      const row = element("tr", { "data-id": record.id });
      const button = element("button", { type: "button", class: "small" }, "Feedback");
      button.setAttribute("aria-label", `Feedback on ${predicted(record)}`);
      button.addEventListener("click", () => {
        chooseFeedback(record);
        $("feedback-form").querySelector("input, select").focus();
      });
      const action = element("td");
      action.append(button);
      row.append(element("td", {}, when.format(new Date(record.unix_ms))),
        element("td", {}, predicted(record)), element("td", {}, told(record.feedback)), action);
      return row;
    }));
    $("history-status").textContent = predictions.length ? "" : "No predictions yet.";
    $("history").hidden = false;
  } catch (error) {
    if (error.code === "history_off") {
      $("history").hidden = true;
    } else {
      $("history-status").textContent = `The history could not be read: ${error.message}`;
      $("history").hidden = false;
    }
  }
}

async function sendFeedback(event) {
  event.preventDefault();
  const form = event.target;
  const body = {};
  if (!$("feedback-price").hidden && form.elements.sold_price_usd.value !== "") {
    body.sold_price_usd = Number(form.elements.sold_price_usd.value);
  }
  if (!$("feedback-label").hidden && form.elements.label.value !== "") body.label = form.elements.label.value;
  const message = $("feedback-message");
  try {
    const record = await api("POST", `/api/predictions/${feedbackFor.id}/feedback`, body);
    feedbackFor = record;
    message.textContent = `Thank you: kept (${told(record.feedback)}).`;
    await showHistory();
  } catch (error) {
    message.textContent = error.message;
  }
}

// The form.

let busy = false;

async function submit(event) {
  event.preventDefault();
  if (busy) return;
  busy = true;
  const form = event.target;
  clearErrors(form);
  const body = requestBody(form);
  const status = $("status");
  status.textContent = "Asking the models…";
  $("results").setAttribute("aria-busy", "true");
  try {
    const answer = await api("POST", "/api/car-analysis", body);
    const { review, ...car } = body;
    const value = answer.car_value;
    showValue(value);
    showSentiment(review, answer.sentiment);
    $("answer").hidden = false;
    status.textContent = `Estimated value ${dollars.format(value.value_usd)}, 80% interval `
      + `${dollars.format(value.low_usd)} to ${dollars.format(value.high_usd)}. The review reads ${answer.sentiment.label}.`;
    await showCurve(car, value, Number(form.elements.mileage.max));
    if (answer.prediction_id) {
      chooseFeedback({ id: answer.prediction_id, car: value, review: answer.sentiment, feedback: null });
      await showHistory();
    }
  } catch (error) {
    $("answer").hidden = true;
    status.textContent = "Nothing estimated: see the message in the form.";
    showError(form, error);
  } finally {
    busy = false;
    $("results").removeAttribute("aria-busy");
  }
}

document.addEventListener("DOMContentLoaded", () => {
  $("car-form").addEventListener("submit", submit);
  $("model-card-link").addEventListener("click", showModelCard);
  $("feedback-form").addEventListener("submit", sendFeedback);
  new ResizeObserver(() => {
    if (curve && Math.round($("curve").getBoundingClientRect().width) !== Number($("curve").dataset.width)) {
      drawCurve(curve.points, curve.entered);
    }
  }).observe($("curve"));
});
