"""Inference metrics for the aws.greengrass.Cloudwatch component.

Messages go to its local topic ``cloudwatch/metric/put`` in its input format
``{"request": {"namespace", "metricData": {"metricName", "dimensions": [{"name", "value"}],
"value", "unit", "timestamp"}}}`` (Greengrass developer guide, "CloudWatch metrics" component,
Input data). The component batches them per namespace into PutMetricData. What a wave's bake
(fleets[].analysis) and the operators read: Latency, Errors, ErrorRate (0 or 1 per
inference: a period's Average is the share that failed) and Predictions per label, each with
the dimension ``fleet``. A wave's deployment sets ``fleet`` in the component's configuration
(functions/deploy-to-twin releaseComponents); the twin's deployment sets none: ``twin``.
"""

import time
from typing import Callable, Dict, Optional

CLOUDWATCH_TOPIC = "cloudwatch/metric/put"


def metric_message(namespace: str, name: str, value: float, unit: str, dimensions: Dict[str, str], timestamp: float) -> Dict:
    return {
        "request": {
            "namespace": namespace,
            "metricData": {
                "metricName": name,
                "dimensions": [{"name": k, "value": v} for k, v in sorted(dimensions.items())],
                "value": value,
                "unit": unit,
                "timestamp": int(timestamp),
            },
        }
    }


def metric_dimensions(settings: Dict) -> Dict[str, str]:
    """The dimensions a fleet's bake analysis names: {fleet: <name>} (config/example.yml)."""
    return {"fleet": str(settings.get("fleet") or "twin")}


class InferenceMetrics:
    def __init__(self, namespace: str, dimensions: Dict[str, str], publish: Callable[[str, Dict], None], clock: Callable[[], float] = time.time):
        self.namespace, self.dimensions, self.publish, self.clock = namespace, dimensions, publish, clock
        self.publish_errors = 0

    def _put(self, name: str, value: float, unit: str, extra: Optional[Dict[str, str]] = None) -> None:
        # Metrics are best effort: a refused or failed publish is counted, never an inference's failure.
        try:
            self.publish(
                CLOUDWATCH_TOPIC,
                metric_message(self.namespace, name, value, unit, {**self.dimensions, **(extra or {})}, self.clock()),
            )
        except Exception:  # noqa: BLE001
            self.publish_errors += 1

    def inference(self, label: str, latency_ms: float) -> None:
        self._put("Latency", latency_ms, "Milliseconds")
        self._put("Predictions", 1, "Count", {"label": label})
        self._put("ErrorRate", 0, "None")

    def error(self) -> None:
        self._put("Errors", 1, "Count")
        self._put("ErrorRate", 1, "None")
