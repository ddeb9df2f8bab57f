"""The page in headless Chromium, against the real components on the harness:
what a person sees is exactly what the API answers."""

from __future__ import annotations

from urllib.parse import urlsplit

from playwright.sync_api import expect

from conftest import API_KEY, DESKTOP, PHONE, SCREENSHOTS, call_api

CAR = {"year": 2016, "mileage": 60000, "model": "c-class", "condition": "excellent", "type": "sedan"}
REVIEW = "Smooth and quiet, but the brakes squeal and the dealer was terrible."
CURVE_POINTS = 11


def usd(value: int) -> str:
    return f"${value:,}"


def fill(page, car: dict, review: str):
    for name, value in car.items():
        field = page.locator(f"[name={name}]")
        if field.evaluate("node => node.tagName") == "SELECT":
            field.select_option(str(value))
        else:
            field.fill(str(value))
    page.fill("[name=review]", review)


def submit_and_wait(page):
    page.get_by_role("button", name="Estimate and analyse").click()
    wait_for_answer(page)


def wait_for_answer(page):
    expect(page.locator("#curve .point")).to_have_count(CURVE_POINTS)


def test_the_page_shows_exactly_the_apis_answer_for_the_same_body(page, base_url):
    fill(page, CAR, REVIEW)
    submit_and_wait(page)
    status, answer = call_api(base_url, "POST", "/api/car-analysis", {**CAR, "review": REVIEW})
    assert status == 200
    value, sentiment = answer["car_value"], answer["sentiment"]

    assert page.locator("#value").get_attribute("value") == str(value["value_usd"])
    assert page.locator("#value").inner_text() == usd(value["value_usd"])
    interval = page.locator("#interval-text")
    assert (interval.get_attribute("data-low"), interval.get_attribute("data-high")) == (
        str(value["low_usd"]), str(value["high_usd"]))
    assert f"between {usd(value['low_usd'])} and {usd(value['high_usd'])}" in interval.inner_text()
    assert page.locator("#sentiment-label").inner_text() == sentiment["label"]
    assert float(page.locator("#sentiment-score").get_attribute("value")) == sentiment["score"]
    assert float(page.locator("#sentiment-confidence").get_attribute("value")) == sentiment["confidence"]
    assert page.locator("#car-value-version").inner_text() == value["model_version"]
    assert page.locator("#sentiment-version").inner_text() == sentiment["model_version"]
    assert page.locator("#extrapolation").is_hidden() == (value["extrapolation"] == [])


def test_an_extrapolation_lists_the_apis_reasons(page, base_url):
    car = {"year": 2022, "mileage": 1000}
    fill(page, car, REVIEW)
    submit_and_wait(page)
    _, answer = call_api(base_url, "POST", "/api/car-value", car)
    assert answer["extrapolation"], "the example should be an extrapolation"
    assert page.locator("#extrapolation").is_visible()
    assert page.locator("#extrapolation-reasons li").all_inner_texts() == answer["extrapolation"]


def test_the_interval_is_drawn_as_a_range_around_the_estimate(page):
    fill(page, CAR, REVIEW)
    submit_and_wait(page)
    band = page.locator("#range-band").bounding_box()
    mark = page.locator("#range-mark").bounding_box()
    middle = mark["x"] + mark["width"] / 2
    assert band["width"] > 0
    assert band["x"] < middle < band["x"] + band["width"]


def test_the_curve_has_a_point_per_sampled_mileage_each_the_apis_and_it_falls(page, base_url):
    fill(page, CAR, REVIEW)
    submit_and_wait(page)
    points = page.eval_on_selector_all(
        "#curve .point", "dots => dots.map(d => [Number(d.dataset.mileage), Number(d.dataset.value)])")
    mileages = [mileage for mileage, _ in points]
    assert len(points) == CURVE_POINTS
    assert mileages[0] == 0 and mileages[-1] >= CAR["mileage"]
    steps = {round(b - a) for a, b in zip(mileages, mileages[1:])}
    assert len(steps) == 1, f"unevenly sampled: {mileages}"
    for mileage, value in points:
        status, answer = call_api(base_url, "POST", "/api/car-value", {**CAR, "mileage": mileage})
        assert (status, value) == (200, answer["value_usd"]), mileage
    values = [value for _, value in points]
    assert all(a >= b for a, b in zip(values, values[1:])), values
    assert values[0] > values[-1]

    entered = page.locator("#curve-entered")
    _, answer = call_api(base_url, "POST", "/api/car-value", CAR)
    assert float(entered.get_attribute("data-mileage")) == CAR["mileage"]
    assert int(entered.get_attribute("data-value")) == answer["value_usd"]
    assert page.locator("#curve-table tbody tr").count() == CURVE_POINTS


def test_a_bad_year_shows_the_apis_message_next_to_year(page, base_url):
    car = {**CAR, "year": 1980}
    fill(page, car, REVIEW)
    page.get_by_role("button", name="Estimate and analyse").click()
    error = page.locator("#field-year-error")
    error.wait_for(state="visible")
    status, answer = call_api(base_url, "POST", "/api/car-analysis", {**car, "review": REVIEW})
    assert status == 422
    assert error.inner_text() == answer["error"]["message"]
    year = page.get_by_label("Year")
    assert year.get_attribute("aria-invalid") == "true"
    assert "field-year-error" in year.get_attribute("aria-describedby")
    assert page.locator("#answer").is_hidden()


def test_an_empty_review_shows_the_apis_message_next_to_review(page, base_url):
    fill(page, CAR, "   ")
    page.get_by_role("button", name="Estimate and analyse").click()
    error = page.locator("#field-review-error")
    error.wait_for(state="visible")
    _, answer = call_api(base_url, "POST", "/api/car-analysis", {**CAR, "review": "   "})
    assert error.inner_text() == answer["error"]["message"]
    assert page.locator("#field-year-error").inner_text() == ""


def test_a_missing_mileage_shows_the_apis_message_next_to_mileage(page, base_url):
    fill(page, {"year": 2016}, REVIEW)
    page.get_by_role("button", name="Estimate and analyse").click()
    error = page.locator("#field-mileage-error")
    error.wait_for(state="visible")
    _, answer = call_api(base_url, "POST", "/api/car-analysis", {"year": 2016, "review": REVIEW})
    assert error.inner_text() == answer["error"]["message"]


def test_each_select_offers_exactly_the_values_the_api_accepts(page, base_url):
    selects = page.locator("#car-form select")
    assert selects.count() == 6
    for index in range(selects.count()):
        select = selects.nth(index)
        field = select.get_attribute("name")
        offered = select.locator("option").evaluate_all("options => options.map(o => o.value)")
        assert offered[0] == "", f"{field}: the first option is 'not given'"
        _, answer = call_api(base_url, "POST", "/api/car-value",
                             {"year": 2016, "mileage": 1000, field: "no-such-value"})
        known = answer["error"]["message"].split(": ", 1)[1].split(", ")
        assert offered[1:] == known, field
        label = page.locator(f"label[for='{select.get_attribute('id')}']")
        assert label.count() == 1 and label.inner_text()


def test_keyboard_only_use_submits_the_form(page):
    page.keyboard.press("Tab")  # the skip link
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "year"
    page.keyboard.type("2018")
    page.keyboard.press("Tab")
    page.keyboard.type("45000")
    page.keyboard.press("Tab")
    page.keyboard.press("ArrowDown")  # model: the first model line
    for _ in range(6):  # past the other five details
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "review"
    page.keyboard.type("Great car!")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.type") == "submit"
    page.keyboard.press("Enter")
    wait_for_answer(page)
    assert page.locator("#sentiment-label").inner_text() == "positive"
    assert page.locator("[name=model]").input_value() != ""


def test_the_results_are_announced_in_a_live_region(page):
    fill(page, CAR, REVIEW)
    submit_and_wait(page)
    status = page.locator("#status")
    assert (status.get_attribute("role"), status.get_attribute("aria-live")) == ("status", "polite")
    assert page.locator("#value").inner_text() in status.inner_text()


def test_explanation_terms_are_highlighted_in_the_review_by_sign(page, base_url):
    review = "The engine died after a week. Great seats!"
    fill(page, CAR, review)
    submit_and_wait(page)
    _, answer = call_api(base_url, "POST", "/api/review-sentiment", {"review": review})
    marks = page.eval_on_selector_all(
        "#review-text mark",
        "marks => marks.map(m => [m.dataset.term, Number(m.dataset.weight), m.className, m.textContent])")
    assert marks, "nothing highlighted"
    weights = {term["term"]: term["weight"] for term in answer["explanation"]}
    for term, weight, classes, text in marks:
        assert weights[term] == weight
        assert ("positive" if weight >= 0 else "negative") in classes.split()
        assert text.lower() == term.replace("not_", "")
    assert page.locator("#terms tbody tr").count() == len(answer["explanation"])


def test_the_model_card_shows_every_model_and_metric_of_api_models(page, base_url):
    fill(page, CAR, REVIEW)
    submit_and_wait(page)
    link = page.get_by_role("link", name="Model card")
    assert link.get_attribute("href") == "/api/models"
    link.click()
    card = page.locator("#model-card")
    card.locator("table").first.wait_for()
    _, answer = call_api(base_url, "GET", "/api/models")
    text = card.inner_text()
    for model in answer["models"]:
        assert f"{model['name']}, version {model['version']}" in text
        for metric in model["metrics"]:
            assert metric.replace("_", " ") in text
    assert card.locator("table").count() == len(answer["models"])


def analyse_and_keep(page) -> str:
    """Submits the form; the id of the prediction it made."""
    fill(page, CAR, REVIEW)
    with page.expect_response("**/api/car-analysis") as analysis:
        page.get_by_role("button", name="Estimate and analyse").click()
    wait_for_answer(page)
    return analysis.value.json()["prediction_id"]


def test_the_curve_keeps_no_prediction_only_the_analysis_does(page, base_url):
    def kept():
        _, listed = call_api(base_url, "GET", "/api/predictions?limit=100")
        return {record["id"] for record in listed["predictions"]}

    before = kept()
    prediction = analyse_and_keep(page)
    expect(page.locator(f"#history-table tr[data-id='{prediction}']")).to_have_count(1)
    assert kept() - before == {prediction}


def test_the_history_lists_the_prediction_and_takes_its_feedback(page, base_url):
    prediction = analyse_and_keep(page)
    expect(page.locator("#feedback-target")).to_have_text(prediction)
    page.get_by_label("Sold for (US dollars)").fill("18500")
    page.get_by_label("The review was really").select_option("negative")
    page.get_by_role("button", name="Send feedback").click()
    expect(page.locator("#feedback-message")).to_have_text(
        "Thank you: kept (sold for $18,500; review negative).")
    expect(page.locator(f"#history-table tr[data-id='{prediction}']")).to_contain_text("sold for $18,500")
    status, record = call_api(base_url, "GET", f"/api/predictions/{prediction}")
    assert status == 200
    assert (record["feedback"]["sold_price_usd"], record["feedback"]["label"]) == (18500, "negative")


def test_a_different_truth_shows_the_apis_conflict_message(page, base_url):
    prediction = analyse_and_keep(page)
    call_api(base_url, "POST", f"/api/predictions/{prediction}/feedback", {"sold_price_usd": 20000})
    page.get_by_label("Sold for (US dollars)").fill("21000")
    page.get_by_role("button", name="Send feedback").click()
    _, conflict = call_api(base_url, "POST", f"/api/predictions/{prediction}/feedback", {"sold_price_usd": 21000})
    expect(page.locator("#feedback-message")).to_have_text(conflict["error"]["message"])


def test_a_past_prediction_is_chosen_for_feedback_from_its_row(page, base_url):
    first = analyse_and_keep(page)
    analyse_and_keep(page)
    page.locator(f"#history-table tr[data-id='{first}']").get_by_role("button").click()
    expect(page.locator("#feedback-target")).to_have_text(first)
    expect(page.get_by_label("Sold for (US dollars)")).to_be_focused()


def test_the_model_card_shows_each_models_live_figures(page, base_url):
    prediction = analyse_and_keep(page)
    call_api(base_url, "POST", f"/api/predictions/{prediction}/feedback", {"label": "negative"})
    page.get_by_role("link", name="Model card").click()
    _, answer = call_api(base_url, "GET", "/api/models")
    sentiment = next(model for model in answer["models"] if model["name"] == "sentiment")
    live = sentiment["live"]
    expect(page.locator(".live[data-model='sentiment']")).to_have_text(
        f"Live, predictions of the last 7 days: {live['feedback']} with feedback, "
        f"{int(100 * live['accuracy'] + 0.5)}% of labels right.")


def test_the_page_makes_no_request_to_any_other_host(page, base_url):
    fill(page, CAR, REVIEW)
    submit_and_wait(page)
    page.get_by_role("link", name="Model card").click()
    page.locator("#model-card table").first.wait_for()
    origin = urlsplit(base_url).netloc
    assert page.requests.urls
    others = [url for url in page.requests.urls if urlsplit(url).netloc != origin]
    assert others == []


# WCAG 2.1 contrast of every piece of text against the background it is
# drawn on (the nearest ancestor with a background colour).
LOW_CONTRAST_TEXT = """() => {
  const rgba = (colour) => {
    const [r, g, b, a = 1] = colour.match(/[\\d.]+/g).map(Number);
    return { r, g, b, a };
  };
  const luminance = ({ r, g, b }) => {
    const linear = (v) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
    return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
  };
  const background = (node) => {
    for (; node; node = node.parentElement) {
      const colour = rgba(getComputedStyle(node).backgroundColor);
      if (colour.a > 0) return colour;
    }
    return { r: 255, g: 255, b: 255, a: 1 };
  };
  const failures = [];
  for (const node of document.querySelectorAll("body *")) {
    const text = [...node.childNodes].filter((n) => n.nodeType === 3).map((n) => n.textContent).join("").trim();
    if (!text || node.closest("[hidden], option") || !node.getClientRects().length) continue;
    const style = getComputedStyle(node);
    const foreground = rgba(node instanceof SVGElement ? style.fill : style.color);
    const [light, dark] = [luminance(foreground), luminance(background(node))].sort((a, b) => b - a);
    const ratio = (light + 0.05) / (dark + 0.05);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (Number(style.fontWeight) >= 700 && size >= 18.66);
    if (ratio < (large ? 3 : 4.5)) failures.push(`${text.slice(0, 30)}: ${ratio.toFixed(2)}`);
  }
  return failures;
}"""


def test_all_text_meets_wcag_aa_contrast_in_light_and_dark(page):
    fill(page, CAR, REVIEW)
    submit_and_wait(page)
    page.get_by_role("link", name="Model card").click()
    page.locator("#model-card table").first.wait_for()
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        assert page.evaluate(LOW_CONTRAST_TEXT) == [], scheme
    page.fill("[name=year]", "1980")
    page.get_by_role("button", name="Estimate and analyse").click()
    page.locator("#field-year-error").wait_for(state="visible")
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        assert page.evaluate(LOW_CONTRAST_TEXT) == [], scheme


def test_screenshots_at_phone_and_desktop_widths(page):
    """Saves the filled-in page, light and dark, for people to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    fill(page, CAR, REVIEW)
    submit_and_wait(page)
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        for name, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
            page.set_viewport_size(viewport)
            path = SCREENSHOTS / f"{name}-{scheme}.png"
            page.screenshot(path=path, full_page=True)
            assert path.stat().st_size > 10_000
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= viewport["width"], f"{name}: the page scrolls sideways ({width}px)"


def test_behind_keys_the_page_asks_for_one_and_sends_it(browser_context, keyed_url):
    tab = browser_context.new_page()
    sent = []
    tab.on("request", lambda request: sent.append(request.headers.get("authorization")))
    tab.goto(keyed_url + "/")
    fill(tab, CAR, REVIEW)
    tab.get_by_role("button", name="Estimate and analyse").click()

    key = tab.get_by_label("API key", exact=True)
    expect(key).to_be_focused()
    expect(tab.locator("#key-message")).to_have_text("This API needs a key. Enter yours.")
    key.fill("wrong-key")
    tab.get_by_role("button", name="Use this key").click()
    expect(tab.locator("#key-message")).to_have_text("That key was not accepted. Enter another.")
    key.fill(API_KEY)
    tab.get_by_role("button", name="Use this key").click()

    wait_for_answer(tab)
    expect(tab.locator("#key-form")).to_be_hidden()
    assert f"Bearer {API_KEY}" in sent
    assert tab.evaluate("sessionStorage.getItem('car-ml-api-key')") == API_KEY
    tab.close()
