"""From an input payload to a label, with the features the capture records.

The features are summary statistics of the input (mean brightness and contrast of the image,
each 0 to 1) rather than the image itself: small, free of personal data, and what drift
detection compares with the release's baseline (docs/monitoring.md).
"""

import time
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Sequence, Tuple

from .runtime import Model


@dataclass
class Prediction:
    label: str
    confidence: float
    features: Dict[str, float]
    latency_ms: float


def image_features(pixels: Sequence[float]) -> Dict[str, float]:
    """Mean and spread of pixel intensities in [0, 1]; an empty image is refused."""
    if not pixels:
        raise ValueError("the image has no pixels")
    n = len(pixels)
    mean = sum(pixels) / n
    spread = (sum((p - mean) ** 2 for p in pixels) / n) ** 0.5
    return {"brightness": round(mean, 4), "contrast": round(min(1.0, 2 * spread), 4)}


def _flat(values: Any) -> List[float]:
    if hasattr(values, "tolist"):  # numpy
        values = values.tolist()
    if isinstance(values, (list, tuple)):
        return [x for v in values for x in _flat(v)]
    return [float(values)]


class Predictor:
    def __init__(
        self,
        model: Model,
        labels: List[str],
        load_pixels: Callable[[Any], Sequence[float]],
        clock: Callable[[], float] = time.perf_counter,
        to_input: Callable[[Sequence[float]], Tuple[str, Any]] = lambda pixels: ("input0", list(pixels)),
    ):
        if not labels:
            raise ValueError("at least one label is needed")
        self.model = model
        self.labels = labels
        self.load_pixels = load_pixels
        self.clock = clock
        self.to_input = to_input

    def predict(self, payload: Any) -> Prediction:
        pixels = self.load_pixels(payload)
        features = image_features(pixels)
        name, tensor = self.to_input(pixels)
        started = self.clock()
        # DLR returns one array per output; a classifier's first is (1, labels) or (labels,).
        scores = _flat(self.model.run({name: tensor})[0])
        latency_ms = (self.clock() - started) * 1000
        if len(scores) != len(self.labels):
            raise ValueError(f"the model gave {len(scores)} scores for {len(self.labels)} labels")
        best = max(range(len(scores)), key=lambda i: scores[i])
        return Prediction(self.labels[best], float(scores[best]), features, round(latency_ms, 3))
