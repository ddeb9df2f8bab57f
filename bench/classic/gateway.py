"""The classic gateway: Flask, calling the car-value and review services over
HTTP with `requests`, as the three containers did.

    CAR_VALUE_URL=http://127.0.0.1:5001 REVIEW_URL=http://127.0.0.1:5002 \
        gunicorn -w 5 -b 127.0.0.1:5000 gateway:app
"""

import os

import requests
from flask import Flask, jsonify, request

CAR_VALUE_URL = os.environ.get("CAR_VALUE_URL", "http://127.0.0.1:5001")
REVIEW_URL = os.environ.get("REVIEW_URL", "http://127.0.0.1:5002")

app = Flask(__name__)


def forward(response):
    return response.content, response.status_code, {"content-type": "application/json"}


@app.route("/health")
def health():
    return jsonify(status="ok", service="gateway")


@app.route("/api/car-analysis", methods=["POST"])
def car_analysis():
    data = request.get_json(force=True, silent=True)
    if not isinstance(data, dict):
        return jsonify(error={"code": "invalid_json", "message": "body must be a JSON object"}), 400
    car = requests.post(
        f"{CAR_VALUE_URL}/api/trade",
        json={"year": data.get("year"), "mileage": data.get("mileage")},
        timeout=10,
    )
    if car.status_code != 200:
        return forward(car)
    review = requests.post(f"{REVIEW_URL}/api/review", json={"review": data.get("review")}, timeout=10)
    if review.status_code != 200:
        return forward(review)
    return jsonify(car_value=car.json(), sentiment=review.json())


@app.route("/api/car-value", methods=["POST"])
def car_value():
    return forward(requests.post(f"{CAR_VALUE_URL}/api/trade", data=request.get_data(), timeout=10))


@app.route("/api/review-sentiment", methods=["POST"])
def review_sentiment():
    return forward(requests.post(f"{REVIEW_URL}/api/review", data=request.get_data(), timeout=10))
