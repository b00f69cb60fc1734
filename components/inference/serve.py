"""Entry point on the device: ``python3 -u serve.py --model-dir <dir> [--config <json>]``.

Without ``--config`` it runs with its Greengrass configuration (settings.py): the model group
and the stage's capture settings the pipeline puts in its recipe.

Greengrass starts it with the recipe's Run script (functions/shared/greengrass/recipes.ts puts
the model component's directory in ``{modelDir}``). IPC calls use the AWS IoT Device SDK v2
(``awsiot.greengrasscoreipc.clientv2.GreengrassCoreIPCClientV2``: subscribe_to_iot_core,
publish_to_iot_core, publish_to_topic), S3 writes use boto3 with the token exchange
service's credentials.
"""

import argparse
import json
import os
import sys
import time

from edge_inference.app import InferenceApp
from edge_inference.capture import CaptureBuffer
from edge_inference.contract import model_version_from_dir, smoke_request_filter
from edge_inference.metrics import InferenceMetrics, metric_dimensions
from edge_inference.model_input import image_size, input_for
from edge_inference.payload import payload_pixels, pillow_decoder
from edge_inference.predictor import Predictor
from edge_inference.runtime import load_model
from edge_inference.settings import component_settings


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model-dir", required=True)
    parser.add_argument("--config", help="component configuration as JSON (default: its Greengrass configuration)")
    args = parser.parse_args(argv)
    thing = os.environ["AWS_IOT_THING_NAME"]

    from awsiot.greengrasscoreipc.clientv2 import GreengrassCoreIPCClientV2  # device only
    from awsiot.greengrasscoreipc.model import BinaryMessage, PublishMessage, QOS
    import boto3

    ipc = GreengrassCoreIPCClientV2()
    s3 = boto3.client("s3")
    config = component_settings(args.config, lambda: ipc.get_configuration(key_path=[]).value)

    def publish_iot(topic: str, payload: bytes) -> None:
        ipc.publish_to_iot_core(topic_name=topic, qos=QOS.AT_LEAST_ONCE, payload=payload)

    def publish_local(topic: str, message: dict) -> None:
        ipc.publish_to_topic(
            topic=topic,
            publish_message=PublishMessage(binary_message=BinaryMessage(message=json.dumps(message).encode())),
        )

    labels = config.get("labels", ["ok", "defect"])
    monitoring = config.get("monitoring") or {}
    capture = None
    if monitoring.get("captureBucket"):
        capture = CaptureBuffer(
            bucket=monitoring["captureBucket"],
            prefix=monitoring.get("capturePrefix", "capture"),
            model_group=config["modelGroup"],
            model_version=int(config.get("modelVersion") or model_version_from_dir(args.model_dir)),
            thing_name=thing,
            sample_rate=float(monitoring.get("sampleRate", 0.1)),
            put=lambda bucket, key, body: s3.put_object(Bucket=bucket, Key=key, Body=body),
        )
    import numpy as np  # a dependency of dlr

    model_inputs = config.get("modelInputs") or {"input0": [1, 3, 224, 224]}
    shape_input = input_for(model_inputs)

    def to_input(pixels):
        name, tensor = shape_input(pixels)
        return name, np.asarray(tensor, dtype=np.float32)

    app = InferenceApp(
        thing_name=thing,
        predictor=Predictor(
            load_model(args.model_dir),
            labels,
            lambda payload: payload_pixels(
                payload,
                fetch=lambda bucket, key: s3.get_object(Bucket=bucket, Key=key)["Body"].read(),
                decode=pillow_decoder(image_size(model_inputs)),
            ),
            to_input=to_input,
        ),
        publish_iot=publish_iot,
        capture=capture,
        metrics=InferenceMetrics(
            config.get("metricsNamespace", "edge-mlops/inference"),
            metric_dimensions(config),
            publish_local,
        ),
    )

    def on_request(event) -> None:
        message = event.message
        try:
            app.on_smoke_request(message.topic_name, message.payload)
        except Exception as error:  # noqa: BLE001 - one bad request must not stop the component
            print(f"smoke request dropped: {error}", file=sys.stderr)

    ipc.subscribe_to_iot_core(topic_name=smoke_request_filter(thing), qos=QOS.AT_LEAST_ONCE, on_stream_event=on_request)
    try:
        while True:
            time.sleep(30)
            if capture:
                capture.flush()
    finally:
        if capture:
            capture.flush()


if __name__ == "__main__":
    sys.exit(main())
