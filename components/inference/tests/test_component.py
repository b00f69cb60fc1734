import json
import random

import pytest

from edge_inference.app import InferenceApp
from edge_inference.capture import CaptureBuffer
from edge_inference.contract import capture_batch_key, model_version_from_dir, smoke_request_filter
from edge_inference.metrics import CLOUDWATCH_TOPIC, InferenceMetrics, metric_dimensions
from edge_inference.predictor import Predictor, image_features
from edge_inference.runtime import RuntimeUnavailable, load_model


class StubModel:
    """Stands in for a DLR model: scores 'defect' when the image is bright."""

    def __init__(self, fail=False):
        self.fail = fail

    def run(self, inputs):
        if self.fail:
            raise RuntimeError("inference failed")
        pixels = inputs["input0"]
        bright = sum(pixels) / len(pixels)
        return [[1 - bright, bright]]


def make_app(*, sample_rate=1.0, fail=False, put=None, batch_size=2):
    published, writes, metrics = [], [], []
    capture = CaptureBuffer(
        bucket="capture-bucket",
        prefix="capture",
        model_group="defect-detector",
        model_version=7,
        thing_name="jetson-01",
        sample_rate=sample_rate,
        put=put or (lambda b, k, body: writes.append((b, k, body))),
        batch_size=batch_size,
        rng=random.Random(1),
        clock=lambda: 1_764_064_800.25,  # 2025-11-25T10:00:00.250Z
    )
    app = InferenceApp(
        thing_name="jetson-01",
        predictor=Predictor(StubModel(fail), ["ok", "defect"], lambda p: p["pixels"]),
        publish_iot=lambda topic, payload: published.append((topic, json.loads(payload))),
        capture=capture,
        metrics=InferenceMetrics("edge-mlops/inference", {"fleet": "factory-jetson"}, lambda t, m: metrics.append((t, m)), clock=lambda: 1_764_064_800),
        new_id=lambda: "id-1",
    )
    return app, published, writes, metrics, capture


def test_answers_a_smoke_request_on_the_run_topic_with_the_contract_fields():
    app, published, _, _, _ = make_app()
    request = {"runId": "run-1", "requestId": "scratch", "payload": {"pixels": [0.9, 0.8]}, "sentAt": "x"}
    app.on_smoke_request("edge-mlops/smoke/request/jetson-01/run-1", json.dumps(request).encode())
    topic, answer = published[0]
    assert topic == "edge-mlops/smoke/response/run-1"
    assert set(answer) == {"runId", "requestId", "thingName", "output", "latencyMs"}
    assert answer["output"] == "defect"
    assert answer["thingName"] == "jetson-01"


def test_answers_even_when_inference_fails_and_counts_the_error():
    app, published, _, metrics, _ = make_app(fail=True)
    app.on_smoke_request("t/run-2", json.dumps({"runId": "run-2", "requestId": "a", "payload": {"pixels": [0.1]}}).encode())
    assert published[0][1]["output"] == {"error": "inference failed"}
    assert [(m["request"]["metricData"]["metricName"], m["request"]["metricData"]["value"]) for _, m in metrics] == [
        ("Errors", 1),
        ("ErrorRate", 1),
    ]


def test_refuses_a_smoke_request_without_request_id():
    app, published, _, _, _ = make_app()
    with pytest.raises(ValueError):
        app.on_smoke_request("t/run-3", b'{"runId": "run-3"}')
    assert published == []


def test_subscribes_only_to_its_own_requests():
    assert smoke_request_filter("jetson-01") == "edge-mlops/smoke/request/jetson-01/+"


def test_captures_json_lines_in_the_hourly_layout_the_detector_reads():
    app, _, writes, _, _ = make_app(batch_size=2)
    app.infer({"pixels": [0.2, 0.4]})
    app.infer({"pixels": [0.9, 0.9]})
    bucket, key, body = writes[0]
    assert bucket == "capture-bucket"
    assert key == "capture/defect-detector/2025/11/25/10/jetson-01-1764064800250-0.jsonl"
    assert key == capture_batch_key("capture", "defect-detector", "jetson-01", 1764064800250, 0)
    lines = [json.loads(l) for l in body.decode().split("\n")]
    assert lines[0] == {
        "time": "2025-11-25T10:00:00.250Z",
        "thingName": "jetson-01",
        "modelGroup": "defect-detector",
        "modelVersion": 7,
        "inferenceId": "id-1",
        "features": {"brightness": 0.3, "contrast": 0.2},
        "prediction": "ok",
        "latencyMs": lines[0]["latencyMs"],
    }
    assert lines[1]["prediction"] == "defect"


def test_samples_at_the_configured_rate():
    _, _, _, _, capture = make_app(sample_rate=0.25, batch_size=10_000)
    taken = sum(capture.offer(str(i), {"brightness": 0.5}, "ok", 1.0) for i in range(4000))
    assert 800 < taken < 1200


def test_keeps_a_batch_whose_write_failed_and_bounds_the_buffer():
    def failing(bucket, key, body):
        raise OSError("network down")

    _, _, _, _, capture = make_app(put=failing, batch_size=2)
    capture.max_buffered = 3
    for i in range(5):
        capture.offer(str(i), {"brightness": 0.5}, "ok", 1.0)
    assert capture.write_errors >= 1
    assert len(capture.records) == 3
    assert capture.dropped == 2


def test_publishes_latency_and_prediction_metrics_in_the_cloudwatch_component_format():
    app, _, _, metrics, _ = make_app()
    app.infer({"pixels": [0.1, 0.1]})
    assert {t for t, _ in metrics} == {CLOUDWATCH_TOPIC}
    latency, predictions, error_rate = (m["request"] for _, m in metrics)
    assert latency["namespace"] == "edge-mlops/inference"
    assert latency["metricData"]["metricName"] == "Latency"
    assert latency["metricData"]["unit"] == "Milliseconds"
    assert predictions["metricData"]["dimensions"] == [
        {"name": "fleet", "value": "factory-jetson"},
        {"name": "label", "value": "ok"},
    ]
    # What a fleet's bake analysis reads (config/example.yml: edge-mlops/inference, ErrorRate,
    # dimensions {fleet: factory-jetson}, Average): one 0 or 1 per inference, so the average
    # of a period is the share of failed inferences.
    assert error_rate["namespace"] == "edge-mlops/inference"
    assert error_rate["metricData"]["metricName"] == "ErrorRate"
    assert error_rate["metricData"]["value"] == 0
    assert error_rate["metricData"]["dimensions"] == [{"name": "fleet", "value": "factory-jetson"}]


def test_names_its_fleet_as_the_wave_deployment_set_it_and_the_twin_otherwise():
    assert metric_dimensions({"fleet": "factory-jetson", "modelGroup": "g"}) == {"fleet": "factory-jetson"}
    assert metric_dimensions({"modelGroup": "g"}) == {"fleet": "twin"}


def test_feeds_the_model_its_input_and_reads_a_batch_of_one_output():
    seen = []

    class BatchModel:
        def run(self, inputs):
            seen.append(inputs)
            return [[[0.2, 0.8]]]  # (1, labels), as a Neo-compiled classifier answers

    predictor = Predictor(
        BatchModel(),
        ["ok", "defect"],
        lambda p: p["pixels"],
        to_input=lambda pixels: ("data", [[list(pixels)]]),
    )
    assert predictor.predict({"pixels": [0.5, 0.5]}).label == "defect"
    assert seen == [{"data": [[[0.5, 0.5]]]}]


def test_features_summarise_the_image_and_refuse_an_empty_one():
    assert image_features([0.0, 1.0]) == {"brightness": 0.5, "contrast": 1.0}
    with pytest.raises(ValueError):
        image_features([])


def test_reads_the_model_version_from_the_greengrass_artifact_path():
    path = "/greengrass/v2/packages/artifacts-unarchived/com.example.defectdetector.model/1.0.7/model"
    assert model_version_from_dir(path) == 7
    with pytest.raises(ValueError):
        model_version_from_dir("/tmp/model")


def test_reads_the_model_version_where_the_native_model_component_unpacks_it(tmp_path):
    # The recipe's {modelDir} is {<model component>:work:path}/model: no version in the path,
    # but the model component's install script writes its version beside the model
    # (functions/shared/greengrass/recipes.ts, unpackScript).
    model_dir = tmp_path / "work" / "com.example.defectdetector.model" / "model"
    model_dir.mkdir(parents=True)
    (model_dir / ".edge-mlops-version").write_text("1.0.7\n")
    assert model_version_from_dir(str(model_dir)) == 7


def test_loads_with_dlr_and_says_so_when_dlr_is_missing():
    class FakeDlr:
        class DLRModel:
            def __init__(self, model_dir, device):
                self.args = (model_dir, device)

    assert load_model("/m", importer=lambda name: FakeDlr).args == ("/m", "cpu")

    def missing(name):
        raise ImportError(name)

    with pytest.raises(RuntimeUnavailable, match="DLR runtime is not installed"):
        load_model("/m", importer=missing)


def test_a_metric_that_cannot_be_published_never_fails_the_inference():
    def refuse(topic, message):
        raise PermissionError("not authorized to publish to cloudwatch/metric/put")

    metrics = InferenceMetrics("edge-mlops/inference", {"fleet": "f"}, refuse, clock=lambda: 0)
    app = InferenceApp(
        thing_name="jetson-01",
        predictor=Predictor(StubModel(), ["ok", "defect"], lambda p: p["pixels"]),
        publish_iot=lambda topic, payload: None,
        metrics=metrics,
    )
    assert app.infer({"pixels": [0.9, 0.9]})["label"] == "defect"
    assert metrics.publish_errors == 3
