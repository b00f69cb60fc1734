"""What the component runs with on a device: its configuration and the smoke inputs of the stage config."""

import json

import pytest

from edge_inference.payload import payload_pixels
from edge_inference.settings import component_settings


def test_reads_its_configuration_from_greengrass_when_no_config_is_given():
    # What register-inference-component puts in the recipe (the stage's monitoring section).
    greengrass = {
        "topicPrefix": "edge-mlops/inference",
        "modelGroup": "defect-detector",
        "monitoring": {"captureBucket": "edge-mlops-local-capture", "capturePrefix": "capture", "sampleRate": 0.2},
    }
    asked = []
    settings = component_settings(None, lambda: asked.append(True) or greengrass)
    assert asked == [True]
    assert settings["monitoring"]["captureBucket"] == "edge-mlops-local-capture"
    assert settings["modelGroup"] == "defect-detector"


def test_a_config_given_on_the_command_line_wins_without_asking_greengrass():
    settings = component_settings(json.dumps({"modelGroup": "g"}), lambda: pytest.fail("IPC called"))
    assert settings == {"modelGroup": "g"}


def test_refuses_a_config_that_is_not_a_json_object():
    with pytest.raises(ValueError, match="--config must be a JSON object"):
        component_settings("[1]", lambda: {})


def test_takes_inline_pixels():
    assert payload_pixels({"pixels": [0, 0.5, 1]}, fetch=None, decode=None) == [0.0, 0.5, 1.0]


def test_fetches_and_decodes_an_image_named_by_its_s3_uri_as_the_stage_config_sends_it():
    # config/local.yml: inputs: [{ id: scratch, payload: { image: s3://edge-mlops-local-code/samples/scratch.jpg } }]
    fetched = []
    pixels = payload_pixels(
        {"image": "s3://edge-mlops-local-code/samples/scratch.jpg"},
        fetch=lambda bucket, key: fetched.append((bucket, key)) or b"jpeg bytes",
        decode=lambda data: [0.25, 0.75] if data == b"jpeg bytes" else [],
    )
    assert fetched == [("edge-mlops-local-code", "samples/scratch.jpg")]
    assert pixels == [0.25, 0.75]


@pytest.mark.parametrize(
    "payload, message",
    [
        ({}, "the payload needs 'pixels' (numbers from 0 to 1) or 'image' (an s3:// URI)"),
        (None, "the payload needs 'pixels' (numbers from 0 to 1) or 'image' (an s3:// URI)"),
        ({"image": "https://example.com/x.jpg"}, "image https://example.com/x.jpg is not an s3:// URI"),
        ({"pixels": [0.1, "x"]}, "pixels must be numbers from 0 to 1"),
        ({"pixels": [0.1, float("nan")]}, "pixels must be numbers from 0 to 1"),
        ({"pixels": [2]}, "pixels must be numbers from 0 to 1"),
    ],
)
def test_refuses_a_payload_it_cannot_read_with_a_precise_message(payload, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        payload_pixels(payload, fetch=lambda b, k: b"", decode=lambda d: [])


def test_shapes_a_grayscale_image_as_the_compiled_model_takes_it():
    from edge_inference.model_input import input_for

    # neo.dataInputConfig {input0: [1, 3, 2, 2]}: NCHW, the gray value in each channel
    name, tensor = input_for({"input0": [1, 3, 2, 2]})([0.1, 0.2, 0.3, 0.4])
    assert name == "input0"
    assert tensor == [[[[0.1, 0.2], [0.3, 0.4]]] * 3]
    with pytest.raises(ValueError, match="the image has 3 pixels; the model takes 2x2"):
        input_for({"input0": [1, 3, 2, 2]})([0.1, 0.2, 0.3])


def test_refuses_model_inputs_it_cannot_feed():
    from edge_inference.model_input import input_for

    with pytest.raises(ValueError, match="one image input of shape"):
        input_for({"a": [1, 3, 2, 2], "b": [1, 3, 2, 2]})
    with pytest.raises(ValueError, match="one image input of shape"):
        input_for({"input0": [1, 4]})


def test_the_image_size_comes_from_the_model_input():
    from edge_inference.model_input import image_size

    assert image_size({"input0": [1, 3, 224, 160]}) == (160, 224)
    assert image_size({}) == (224, 224)
