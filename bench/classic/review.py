"""The classic review (sentiment) service: Flask, counting words from a
positive and a negative keyword list.

    gunicorn -w 3 -b 127.0.0.1:5002 review:app
"""

import re

from flask import Flask, jsonify, request

POSITIVE = {
    "amazing", "awesome", "best", "comfortable", "excellent", "fantastic", "fast",
    "fun", "good", "great", "happy", "love", "nice", "perfect", "quiet",
    "recommend", "reliable", "smooth", "solid", "wonderful",
}
NEGATIVE = {
    "awful", "bad", "broke", "broken", "died", "disappointed", "expensive", "hate",
    "leak", "loud", "noisy", "poor", "problem", "problems", "rattle", "slow",
    "squeal", "terrible", "unreliable", "worst",
}
MAX_REVIEW_CHARS = 5000

app = Flask(__name__)


def error(status, code, message):
    return jsonify(error={"code": code, "message": message}), status


def analyze(text):
    words = re.findall(r"[a-z']+", text.lower())
    positive = sum(word in POSITIVE for word in words)
    negative = sum(word in NEGATIVE for word in words)
    total = max(len(words), 1)
    score = (positive - negative) / max(positive + negative, 1)
    label = "positive" if score >= 0.05 else "negative" if score <= -0.05 else "neutral"
    return {
        "label": label,
        "score": round(score, 4),
        "positive": round(positive / total, 3),
        "negative": round(negative / total, 3),
        "neutral": round(1 - (positive + negative) / total, 3),
    }


@app.route("/health")
def health():
    return jsonify(status="ok", service="sentiment")


@app.route("/api/review", methods=["POST"])
def review():
    data = request.get_json(force=True, silent=True)
    if not isinstance(data, dict):
        return error(400, "invalid_json", "request body must be a JSON object")
    text = data.get("review")
    if not isinstance(text, str):
        return error(422, "invalid_request", "review must be a string")
    if not text.strip():
        return error(422, "empty_review", "review must not be empty")
    if len(text) > MAX_REVIEW_CHARS:
        return error(422, "review_too_long", f"review must be at most {MAX_REVIEW_CHARS} characters")
    return jsonify(analyze(text))
