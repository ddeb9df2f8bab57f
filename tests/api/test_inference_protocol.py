"""The Open Inference Protocol v2 routes, driven by the clients users serve
models with: Triton's `tritonclient.http` and KServe's REST client, at their
defaults (tensors as binary data after the JSON: Triton's binary tensor data
extension) and in JSON. A batch's answers are checked against the app's own
JSON API, row by row."""

import asyncio
import json
import struct
import urllib.error
import urllib.request

import numpy as np
import pytest
import tritonclient.http as triton
from kserve import InferenceRESTClient, InferInput, InferRequest, RESTConfig
from tritonclient.utils import InferenceServerException

from conftest import call

CARS = [
    {"year": 2018, "mileage": 45000.0},
    {"year": 2016, "mileage": 60000.0, "model": "c-class", "condition": "excellent", "type": "sedan"},
    {"year": 2022, "mileage": 1000.0, "fuel": "diesel"},
]
DETAILS = ["model", "condition", "title_status", "fuel", "transmission", "type"]
REVIEWS = ["Great car!", "The engine died after a week.", "The car is blue."]
CAR_OUTPUTS = ["value_usd", "low_usd", "high_usd"]
SENTIMENT_OUTPUTS = ["label", "score", "confidence"]
ROWS = pytest.mark.parametrize("rows", [1, 3], ids=["one row", "batch"])


@pytest.fixture(scope="module")
def client(app_url):
    return triton.InferenceServerClient(url=app_url.removeprefix("http://"))


def car_columns(cars):
    """The cars as columns: year INT32, mileage FP64, each detail BYTES with
    an empty string where a car does not give it."""
    return [
        ("year", "INT32", np.array([car["year"] for car in cars], dtype=np.int32)),
        ("mileage", "FP64", np.array([car["mileage"] for car in cars], dtype=np.float64)),
    ] + [
        (detail, "BYTES", np.array([car.get(detail, "").encode() for car in cars], dtype=np.object_))
        for detail in DETAILS
    ]


def review_column(reviews):
    return np.array([review.encode() for review in reviews], dtype=np.object_)


def car_inputs(cars, **binary_data):
    """Triton's tensors for `cars`: binary data unless `binary_data=False`."""
    inputs = []
    for name, datatype, data in car_columns(cars):
        tensor = triton.InferInput(name, [len(cars)], datatype)
        tensor.set_data_from_numpy(data, **binary_data)
        inputs.append(tensor)
    return inputs


def review_input(reviews, **binary_data):
    tensor = triton.InferInput("review", [len(reviews)], "BYTES")
    tensor.set_data_from_numpy(review_column(reviews), **binary_data)
    return tensor


def json_api(app_url, route, body):
    status, answer = call(f"{app_url}{route}", "POST", body)
    assert status == 200, answer
    return answer


def expected_valuations(app_url, cars):
    return [json_api(app_url, "/api/car-value", car) for car in cars]


def expected_analyses(app_url, reviews):
    return [json_api(app_url, "/api/review-sentiment", {"review": review}) for review in reviews]


def assert_outputs_as_the_json_api(result, names, expected, binary):
    """Each output of `result` is the JSON API's answers in row order, sent as
    binary data when `binary`, else in the JSON."""
    outputs = {output["name"]: output for output in result.get_response()["outputs"]}
    assert list(outputs) == names
    for name in names:
        assert ("binary_data_size" in outputs[name].get("parameters", {})) == binary, outputs[name]
        assert ("data" in outputs[name]) != binary, outputs[name]
        column = result.as_numpy(name).tolist()
        if column and isinstance(column[0], bytes):
            column = [element.decode() for element in column]
        assert column == [answer[name] for answer in expected], name
    assert result.get_response()["model_version"] == expected[0]["model_version"]


def test_triton_sees_a_live_and_ready_server_with_both_models(client):
    assert client.is_server_live()
    assert client.is_server_ready()
    metadata = client.get_server_metadata()
    assert metadata["name"] == "car-ml"
    assert metadata["extensions"] == ["binary_tensor_data"]
    for model in ["car-value", "sentiment"]:
        assert client.is_model_ready(model)


def test_model_metadata_lists_the_tensors_with_a_batch_dimension(client, app_url):
    metadata = client.get_model_metadata("car-value")
    assert [(t["name"], t["datatype"], t["shape"]) for t in metadata["inputs"]] == [
        ("year", "INT32", [-1]),
        ("mileage", "FP64", [-1]),
    ] + [(detail, "BYTES", [-1]) for detail in DETAILS]
    assert [t["name"] for t in metadata["outputs"]] == CAR_OUTPUTS
    _, models = call(f"{app_url}/api/models")
    assert metadata["versions"] == [models["models"][0]["version"]]


@ROWS
def test_car_value_at_tritons_defaults_answers_each_row_as_the_json_api_does(client, app_url, rows):
    result = client.infer("car-value", car_inputs(CARS[:rows]))
    assert_outputs_as_the_json_api(result, CAR_OUTPUTS, expected_valuations(app_url, CARS[:rows]), binary=True)


@ROWS
def test_sentiment_at_tritons_defaults_answers_each_row_as_the_json_api_does(client, app_url, rows):
    result = client.infer("sentiment", [review_input(REVIEWS[:rows])], request_id="batch-1")
    expected = expected_analyses(app_url, REVIEWS[:rows])
    assert_outputs_as_the_json_api(result, SENTIMENT_OUTPUTS, expected, binary=True)
    assert result.get_response()["id"] == "batch-1"


def test_car_value_in_json_answers_each_row_as_the_json_api_does(client, app_url):
    outputs = [triton.InferRequestedOutput(name, binary_data=False) for name in CAR_OUTPUTS]
    result = client.infer("car-value", car_inputs(CARS, binary_data=False), outputs=outputs)
    assert_outputs_as_the_json_api(result, CAR_OUTPUTS, expected_valuations(app_url, CARS), binary=False)


def test_sentiment_in_json_answers_each_row_as_the_json_api_does(client, app_url):
    outputs = [triton.InferRequestedOutput(name, binary_data=False) for name in SENTIMENT_OUTPUTS]
    result = client.infer("sentiment", [review_input(REVIEWS, binary_data=False)], outputs=outputs)
    assert_outputs_as_the_json_api(result, SENTIMENT_OUTPUTS, expected_analyses(app_url, REVIEWS), binary=False)


def test_only_the_requested_outputs_are_answered_each_as_asked(client, app_url):
    outputs = [
        triton.InferRequestedOutput("value_usd"),
        triton.InferRequestedOutput("high_usd", binary_data=False),
    ]
    result = client.infer("car-value", car_inputs(CARS), outputs=outputs)
    expected = expected_valuations(app_url, CARS)
    answered = result.get_response()["outputs"]
    assert [o["name"] for o in answered] == ["value_usd", "high_usd"]
    assert answered[0]["parameters"] == {"binary_data_size": 4 * len(CARS)}
    assert answered[1]["data"] == [e["high_usd"] for e in expected]
    assert result.as_numpy("value_usd").tolist() == [e["value_usd"] for e in expected]


def test_the_served_version_can_be_named_and_another_cannot(client):
    version = client.get_model_metadata("car-value")["versions"][0]
    result = client.infer("car-value", car_inputs(CARS[:1]), model_version=version)
    assert result.get_response()["model_version"] == version
    with pytest.raises(InferenceServerException, match="has no version `0`"):
        client.infer("car-value", car_inputs(CARS[:1]), model_version="0")


def test_a_row_the_model_refuses_is_a_400_naming_the_row(client):
    cars = CARS[:1] + [{"year": 1900, "mileage": 1.0}]
    with pytest.raises(InferenceServerException) as refused:
        client.infer("car-value", car_inputs(cars))
    assert refused.value.status() == "400"
    assert refused.value.message().startswith("row 1: year must be between")
    with pytest.raises(InferenceServerException, match="row 2: review must not be empty"):
        client.infer("sentiment", [review_input(["Fine.", "Good.", "   "])])


def test_a_tensor_of_the_wrong_datatype_is_a_400(client):
    year = triton.InferInput("year", [1], "INT64")
    year.set_data_from_numpy(np.array([2018], dtype=np.int64))
    mileage = car_inputs(CARS[:1])[1]
    with pytest.raises(InferenceServerException, match="input `year` must have datatype INT32, not INT64"):
        client.infer("car-value", [year, mileage])


def test_an_unknown_model_is_an_error(client):
    with pytest.raises(InferenceServerException, match="no model `gpt`"):
        client.get_model_metadata("gpt")


def kserve_infer(app_url, request):
    """KServe's REST client's answer to `request`, at the client's defaults."""

    async def infer():
        client = InferenceRESTClient(RESTConfig(protocol="v2", retries=0, timeout=30))
        try:
            return await client.infer(app_url, request, model_name=request.model_name)
        finally:
            await client.close()

    return asyncio.run(infer())


def kserve_input(name, datatype, data):
    """A KServe tensor set from numpy as its client does by default: as
    binary data after the JSON."""
    tensor = InferInput(name, [len(data)], datatype)
    tensor.set_data_from_numpy(data)
    return tensor


def test_kserves_rest_client_sees_a_live_and_ready_server(app_url):
    async def probe():
        client = InferenceRESTClient(RESTConfig(protocol="v2", retries=0, timeout=30))
        try:
            return [
                await client.is_server_live(app_url),
                await client.is_server_ready(app_url),
                await client.is_model_ready(app_url, "sentiment"),
            ]
        finally:
            await client.close()

    assert asyncio.run(probe()) == [True, True, True]


@ROWS
def test_kserves_rest_client_infers_binary_reviews_at_its_defaults(app_url, rows):
    reviews = REVIEWS[:rows]
    request = InferRequest(
        model_name="sentiment",
        infer_inputs=[kserve_input("review", "BYTES", review_column(reviews))],
        request_id="kserve-1",
    )
    response = kserve_infer(app_url, request)
    expected = expected_analyses(app_url, reviews)
    outputs = {output.name: output.data for output in response.outputs}
    assert {name: outputs[name] for name in SENTIMENT_OUTPUTS} == {
        name: [e[name] for e in expected] for name in SENTIMENT_OUTPUTS
    }
    assert response.id == "kserve-1"


@ROWS
def test_kserves_rest_client_infers_binary_cars_at_its_defaults(app_url, rows):
    cars = CARS[:rows]
    inputs = [kserve_input(name, datatype, data) for name, datatype, data in car_columns(cars)]
    response = kserve_infer(app_url, InferRequest(model_name="car-value", infer_inputs=inputs))
    expected = expected_valuations(app_url, cars)
    outputs = {output.name: output.data for output in response.outputs}
    assert outputs == {name: [e[name] for e in expected] for name in CAR_OUTPUTS}


def test_kserves_rest_client_infers_a_json_batch(app_url):
    request = InferRequest(
        model_name="sentiment",
        infer_inputs=[InferInput("review", [len(REVIEWS)], "BYTES", REVIEWS)],
    )
    response = kserve_infer(app_url, request)
    expected = expected_analyses(app_url, REVIEWS)
    outputs = {output.name: output.data for output in response.outputs}
    assert outputs["label"] == [e["label"] for e in expected]
    assert outputs["score"] == [e["score"] for e in expected]


def test_kserves_rest_client_reads_binary_outputs_when_it_asks_for_them(app_url):
    request = InferRequest(
        model_name="car-value",
        infer_inputs=[kserve_input(name, datatype, data) for name, datatype, data in car_columns(CARS)],
        parameters={"binary_data_output": True},
    )
    response = kserve_infer(app_url, request)
    expected = expected_valuations(app_url, CARS)
    outputs = {output.name: output.as_numpy().tolist() for output in response.outputs}
    assert outputs == {name: [e[name] for e in expected] for name in CAR_OUTPUTS}


def test_kserves_rest_client_sees_refused_rows_as_http_errors(app_url):
    request = InferRequest(
        model_name="car-value",
        infer_inputs=[
            kserve_input("year", "INT32", np.array([2018, 2019], dtype=np.int32)),
            kserve_input("mileage", "FP64", np.array([1000.0, -5.0])),
        ],
    )
    with pytest.raises(Exception, match="row 1: mileage must be a number of miles between 0 and"):
        kserve_infer(app_url, request)


# The binary data extension on the wire.

YEAR = {"name": "year", "shape": [1], "datatype": "INT32"}
MILEAGE = {"name": "mileage", "shape": [1], "datatype": "FP64"}
REVIEW = {"name": "review", "shape": [1], "datatype": "BYTES"}


def sized(tensor, size):
    return {**tensor, "parameters": {"binary_data_size": size}}


def post_infer(app_url, model, request, binary=b"", header_length=None):
    """POSTs `request` as JSON followed by `binary`, with
    Inference-Header-Content-Length the JSON's length unless `header_length`
    gives it; returns the status, headers and body."""
    header = json.dumps(request).encode()
    length = len(header) if header_length is None else header_length
    http = urllib.request.Request(
        f"{app_url}/v2/models/{model}/infer",
        data=header + binary,
        method="POST",
        headers={"content-type": "application/octet-stream", "inference-header-content-length": str(length)},
    )
    try:
        with urllib.request.urlopen(http, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def test_binary_outputs_follow_the_json_whose_length_the_header_gives(app_url):
    request = {"inputs": [sized(REVIEW, 14)], "parameters": {"binary_data_output": True}}
    status, headers, body = post_infer(app_url, "sentiment", request, struct.pack("<I", 10) + b"Great car!")
    assert status == 200, body
    assert headers["content-type"] == "application/octet-stream"
    length = int(headers["inference-header-content-length"])
    answer = json.loads(body[:length])
    [expected] = expected_analyses(app_url, ["Great car!"])
    label = expected["label"].encode()
    assert [o["parameters"] for o in answer["outputs"]] == [
        {"binary_data_size": 4 + len(label)}, {"binary_data_size": 8}, {"binary_data_size": 8}]
    assert body[length:] == struct.pack(f"<I{len(label)}sdd", len(label), label, expected["score"], expected["confidence"])


BAD_BINARY = [
    pytest.param({"inputs": [sized(YEAR, 4), sized(MILEAGE, 8)]}, struct.pack("<id", 2018, 1.0), 10_000,
                 "Inference-Header-Content-Length is 10000 but the body is ", id="header past the body"),
    pytest.param({"inputs": [sized(YEAR, 4), sized(MILEAGE, 8)]}, struct.pack("<id", 2018, 1.0), "twelve",
                 "Inference-Header-Content-Length must be the length in bytes", id="header not a length"),
    pytest.param({"inputs": [sized(YEAR, 3), sized(MILEAGE, 9)]}, struct.pack("<id", 2018, 1.0), None,
                 "input `year` has binary_data_size 3, not a whole number of 4-byte INT32 elements",
                 id="size not whole elements"),
    pytest.param({"inputs": [sized(YEAR, 8), sized(MILEAGE, 8)]}, struct.pack("<iid", 2018, 2019, 1.0), None,
                 "input `year` has shape [1] but 2 elements", id="size not the shape"),
    pytest.param({"inputs": [sized(YEAR, 4), sized(MILEAGE, 16)]}, struct.pack("<id", 2018, 1.0), None,
                 "input `mileage` has binary_data_size 16 but only 8 bytes of binary data are left",
                 id="sizes past the body"),
    pytest.param({"inputs": [sized(YEAR, 4), sized(MILEAGE, 8)]}, struct.pack("<idi", 2018, 1.0, 7), None,
                 "4 bytes of binary data are left after every input's binary_data_size", id="bytes left over"),
    pytest.param({"inputs": [{**sized(YEAR, 4), "data": [2018]}, sized(MILEAGE, 8)]}, struct.pack("<id", 2018, 1.0),
                 None, "input `year` has both `data` and binary_data_size; give one", id="data and binary"),
    pytest.param({"inputs": [sized(REVIEW, 8)]}, struct.pack("<I4s", 100, b"Good"), None,
                 "row 0: input `review` has a BYTES element of 100 bytes but only 4 bytes left",
                 id="element past its input"),
    pytest.param({"inputs": [sized(REVIEW, 6)]}, struct.pack("<I2s", 2, b"\xff\xfe"), None,
                 "row 0: input `review` must be a string: invalid utf-8 sequence", id="not utf-8"),
]


@pytest.mark.parametrize("request_json, binary, header_length, message", BAD_BINARY)
def test_binary_data_that_does_not_add_up_is_a_400_saying_why(app_url, request_json, binary, header_length, message):
    model = "sentiment" if request_json["inputs"][0]["name"] == "review" else "car-value"
    status, headers, body = post_infer(app_url, model, request_json, binary, header_length)
    assert status == 400, body
    assert headers["content-type"] == "application/json"
    assert json.loads(body)["error"].startswith(message), body
