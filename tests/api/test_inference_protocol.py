"""The Open Inference Protocol v2 routes, driven by the clients users serve
models with: Triton's `tritonclient.http` and KServe's REST client. A batch's
answers are checked against the app's own JSON API, row by row."""

import asyncio

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


@pytest.fixture(scope="module")
def client(app_url):
    return triton.InferenceServerClient(url=app_url.removeprefix("http://"))


def car_inputs(cars):
    """The cars as tensors: year INT32, mileage FP64, each detail BYTES with an
    empty string where a car does not give it."""
    columns = [
        ("year", "INT32", np.array([car["year"] for car in cars], dtype=np.int32)),
        ("mileage", "FP64", np.array([car["mileage"] for car in cars], dtype=np.float64)),
    ] + [
        (detail, "BYTES", np.array([car.get(detail, "").encode() for car in cars], dtype=np.object_))
        for detail in DETAILS
    ]
    inputs = []
    for name, datatype, data in columns:
        tensor = triton.InferInput(name, [len(cars)], datatype)
        tensor.set_data_from_numpy(data, binary_data=False)
        inputs.append(tensor)
    return inputs


def review_input(reviews):
    tensor = triton.InferInput("review", [len(reviews)], "BYTES")
    tensor.set_data_from_numpy(np.array([r.encode() for r in reviews], dtype=np.object_), binary_data=False)
    return tensor


def json_api(app_url, route, body):
    status, answer = call(f"{app_url}{route}", "POST", body)
    assert status == 200, answer
    return answer


def test_triton_sees_a_live_and_ready_server_with_both_models(client):
    assert client.is_server_live()
    assert client.is_server_ready()
    assert client.get_server_metadata()["name"] == "car-ml"
    for model in ["car-value", "sentiment"]:
        assert client.is_model_ready(model)


def test_model_metadata_lists_the_tensors_with_a_batch_dimension(client, app_url):
    metadata = client.get_model_metadata("car-value")
    assert [(t["name"], t["datatype"], t["shape"]) for t in metadata["inputs"]] == [
        ("year", "INT32", [-1]),
        ("mileage", "FP64", [-1]),
    ] + [(detail, "BYTES", [-1]) for detail in DETAILS]
    assert [t["name"] for t in metadata["outputs"]] == ["value_usd", "low_usd", "high_usd"]
    _, models = call(f"{app_url}/api/models")
    assert metadata["versions"] == [models["models"][0]["version"]]


def test_a_car_value_batch_answers_each_row_as_the_json_api_does(client, app_url):
    result = client.infer("car-value", car_inputs(CARS))
    expected = [json_api(app_url, "/api/car-value", car) for car in CARS]
    for output in ["value_usd", "low_usd", "high_usd"]:
        assert result.as_numpy(output).tolist() == [answer[output] for answer in expected], output
    assert result.get_response()["model_version"] == expected[0]["model_version"]


def test_a_sentiment_batch_answers_each_row_as_the_json_api_does(client, app_url):
    outputs = [triton.InferRequestedOutput(name, binary_data=False) for name in ["label", "score", "confidence"]]
    result = client.infer("sentiment", [review_input(REVIEWS)], outputs=outputs, request_id="batch-1")
    expected = [json_api(app_url, "/api/review-sentiment", {"review": review}) for review in REVIEWS]
    assert result.as_numpy("label").tolist() == [e["label"] for e in expected]
    assert result.as_numpy("score").tolist() == [e["score"] for e in expected]
    assert result.as_numpy("confidence").tolist() == [e["confidence"] for e in expected]
    assert result.get_response()["id"] == "batch-1"


def test_only_the_requested_outputs_are_answered(client):
    outputs = [triton.InferRequestedOutput("value_usd", binary_data=False)]
    result = client.infer("car-value", car_inputs(CARS[:1]), outputs=outputs)
    assert [o["name"] for o in result.get_response()["outputs"]] == ["value_usd"]


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
    year.set_data_from_numpy(np.array([2018], dtype=np.int64), binary_data=False)
    mileage = car_inputs(CARS[:1])[1]
    with pytest.raises(InferenceServerException, match="input `year` must have datatype INT32, not INT64"):
        client.infer("car-value", [year, mileage])


def test_an_unknown_model_is_an_error(client):
    with pytest.raises(InferenceServerException, match="no model `gpt`"):
        client.get_model_metadata("gpt")


def test_kserves_rest_client_infers_a_batch(app_url):
    async def infer():
        client = InferenceRESTClient(RESTConfig(protocol="v2", retries=0, timeout=30))
        try:
            assert await client.is_server_live(app_url)
            assert await client.is_server_ready(app_url)
            assert await client.is_model_ready(app_url, "sentiment")
            request = InferRequest(
                model_name="sentiment",
                infer_inputs=[InferInput("review", [len(REVIEWS)], "BYTES", REVIEWS)],
                request_id="kserve-1",
            )
            return await client.infer(app_url, request, model_name="sentiment")
        finally:
            await client.close()

    response = asyncio.run(infer())
    expected = [json_api(app_url, "/api/review-sentiment", {"review": review}) for review in REVIEWS]
    outputs = {output.name: output.data for output in response.outputs}
    assert outputs["label"] == [e["label"] for e in expected]
    assert outputs["score"] == [e["score"] for e in expected]
    assert response.id == "kserve-1"


def test_kserves_rest_client_sees_refused_rows_as_http_errors(app_url):
    async def infer():
        client = InferenceRESTClient(RESTConfig(protocol="v2", retries=0, timeout=30))
        try:
            request = InferRequest(
                model_name="car-value",
                infer_inputs=[
                    InferInput("year", [2], "INT32", [2018, 2019]),
                    InferInput("mileage", [2], "FP64", [1000.0, -5.0]),
                ],
            )
            return await client.infer(app_url, request, model_name="car-value")
        finally:
            await client.close()

    with pytest.raises(Exception, match="row 1: mileage must be a number of miles between 0 and"):
        asyncio.run(infer())
