"""The component's behaviour, free of Greengrass: what a smoke request and an inference do.

``serve.py`` connects it to Greengrass IPC; tests connect it to fakes.
"""

import json
import time
import uuid
from typing import Any, Callable, Dict, Optional

from .capture import CaptureBuffer
from .contract import run_id_of, smoke_response_topic
from .metrics import InferenceMetrics
from .predictor import Predictor


class InferenceApp:
    def __init__(
        self,
        *,
        thing_name: str,
        predictor: Predictor,
        publish_iot: Callable[[str, bytes], None],
        capture: Optional[CaptureBuffer] = None,
        metrics: Optional[InferenceMetrics] = None,
        new_id: Callable[[], str] = lambda: uuid.uuid4().hex,
    ):
        self.thing_name = thing_name
        self.predictor = predictor
        self.publish_iot = publish_iot
        self.capture = capture
        self.metrics = metrics
        self.new_id = new_id

    def infer(self, payload: Any, inference_id: Optional[str] = None) -> Dict[str, Any]:
        """One inference: predict, record metrics, offer it to the capture."""
        try:
            p = self.predictor.predict(payload)
        except Exception:
            if self.metrics:
                self.metrics.error()
            raise
        if self.metrics:
            self.metrics.inference(p.label, p.latency_ms)
        if self.capture:
            self.capture.offer(inference_id or self.new_id(), p.features, p.label, p.latency_ms)
        return {"label": p.label, "confidence": p.confidence, "latencyMs": p.latency_ms}

    def on_smoke_request(self, topic: str, message: bytes) -> Optional[Dict[str, Any]]:
        """Answers a twin smoke request; a malformed one is logged by the caller and dropped."""
        request = json.loads(message.decode("utf-8"))
        run_id = request.get("runId") or run_id_of(topic)
        request_id = request.get("requestId")
        if not isinstance(request_id, str) or not request_id:
            raise ValueError("smoke request without requestId")
        started = time.perf_counter()
        try:
            result = self.infer(request.get("payload"), inference_id=f"smoke-{run_id}-{request_id}")
            output: Any = result["label"]
            latency = result["latencyMs"]
        except Exception as error:  # noqa: BLE001 - an answer that failed is still an answer
            output = {"error": str(error)}
            latency = round((time.perf_counter() - started) * 1000, 3)
        answer = {
            "runId": run_id,
            "requestId": request_id,
            "thingName": self.thing_name,
            "output": output,
            "latencyMs": latency,
        }
        self.publish_iot(smoke_response_topic(run_id), json.dumps(answer).encode("utf-8"))
        return answer
