"""The classic car-value service: Flask, with a scikit-learn linear regression
trained when the service starts (in every gunicorn worker), from the same
listings and cleaning rules as the Rust model.

    gunicorn -w 3 -b 127.0.0.1:5001 car_value:app
"""

import csv
import os

import numpy as np
from flask import Flask, jsonify, request
from sklearn.linear_model import LinearRegression

LISTINGS = os.environ.get(
    "LISTINGS_CSV",
    os.path.join(os.path.dirname(__file__), "..", "..", "data", "cars", "listings.csv"),
)
MIN_YEAR, MAX_YEAR, MAX_MILEAGE, MIN_VALUE = 1995, 2021, 480000, 1000


def load_listings(path):
    """Year and mileage -> price of the clean listings (data/README.md)."""
    seen, features, prices = set(), [], []
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            key = tuple(row.values())
            if key in seen:
                continue
            seen.add(key)
            try:
                price = float(row["price_USD"])
                year = int(row["year"])
                odometer = float(row["odometer_mi"])
            except ValueError:
                continue
            if not 1000 <= price <= 250000 or year < 1995:
                continue
            if row["title_status"] in ("salvage", "rebuilt", "parts only", "missing"):
                continue
            if row["condition"] == "salvage":
                continue
            if (odometer < 100 and year < 2019) or odometer >= 500000:
                continue
            features.append([year, odometer])
            prices.append(price)
    return np.array(features), np.array(prices)


X, y = load_listings(LISTINGS)
model = LinearRegression().fit(X, y)

app = Flask(__name__)


def error(status, code, message):
    return jsonify(error={"code": code, "message": message}), status


@app.route("/health")
def health():
    return jsonify(status="ok", service="car-value")


@app.route("/api/trade", methods=["POST"])
def trade():
    data = request.get_json(force=True, silent=True)
    if not isinstance(data, dict):
        return error(400, "invalid_json", "request body must be a JSON object")
    try:
        year = int(data["year"])
        mileage = float(data["mileage"])
    except (KeyError, TypeError, ValueError) as e:
        return error(422, "invalid_request", f"bad or missing field: {e}")
    if not MIN_YEAR <= year <= MAX_YEAR:
        return error(422, "year_out_of_range", f"year must be between {MIN_YEAR} and {MAX_YEAR}")
    if not 0 <= mileage <= MAX_MILEAGE:
        return error(422, "mileage_out_of_range",
                     f"mileage must be a number of miles between 0 and {MAX_MILEAGE}")
    value = model.predict([[year, mileage]])[0]
    return jsonify(value_usd=max(int(round(value)), MIN_VALUE))
