"""Samples inferences and writes them to S3 in batches of JSON lines (capture contract).

Writes go through ``put(bucket, key, body)``; on a device that is boto3's S3 ``put_object``
with the credentials of the Greengrass token exchange service (the component depends on
aws.greengrass.TokenExchangeService, and the AWS SDKs read AWS_CONTAINER_CREDENTIALS_FULL_URI
that Greengrass sets: Greengrass developer guide, "Interact with AWS services"). A failed
write keeps the batch for the next flush, up to ``max_buffered`` records; beyond that the
oldest records are dropped and counted, so a long outage never exhausts the device's memory.
"""

import json
import random
import time
from typing import Callable, Dict, List, Optional

from .contract import capture_batch_key

Put = Callable[[str, str, bytes], None]


class CaptureBuffer:
    def __init__(
        self,
        *,
        bucket: str,
        prefix: str,
        model_group: str,
        model_version: int,
        thing_name: str,
        sample_rate: float,
        put: Put,
        batch_size: int = 100,
        max_age_s: float = 300.0,
        max_buffered: int = 10_000,
        rng: Optional[random.Random] = None,
        clock: Callable[[], float] = time.time,
    ):
        if not 0 <= sample_rate <= 1:
            raise ValueError("sampleRate must be between 0 and 1")
        self.bucket, self.prefix = bucket, prefix
        self.model_group, self.model_version, self.thing_name = model_group, model_version, thing_name
        self.sample_rate, self.put = sample_rate, put
        self.batch_size, self.max_age_s, self.max_buffered = batch_size, max_age_s, max_buffered
        self.rng = rng or random.Random()
        self.clock = clock
        self.records: List[Dict] = []
        self.seq = 0
        self.dropped = 0
        self.write_errors = 0

    def offer(self, inference_id: str, features: Dict[str, float], prediction: str, latency_ms: float) -> bool:
        """Captures the inference with probability sampleRate; flushes a full or old batch."""
        if self.rng.random() >= self.sample_rate:
            return False
        now = self.clock()
        self.records.append(
            {
                "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now * 1000) % 1000:03d}Z",
                "thingName": self.thing_name,
                "modelGroup": self.model_group,
                "modelVersion": self.model_version,
                "inferenceId": inference_id,
                "features": features,
                "prediction": prediction,
                "latencyMs": latency_ms,
                "_ms": int(now * 1000),
            }
        )
        if len(self.records) > self.max_buffered:
            excess = len(self.records) - self.max_buffered
            del self.records[:excess]
            self.dropped += excess
        if len(self.records) >= self.batch_size or now * 1000 - self.records[0]["_ms"] >= self.max_age_s * 1000:
            self.flush()
        return True

    def flush(self) -> Optional[str]:
        """Writes the buffered records as one object; returns its key, or None (nothing or failed)."""
        if not self.records:
            return None
        batch = self.records[: self.batch_size]
        first_ms = batch[0]["_ms"]
        key = capture_batch_key(self.prefix, self.model_group, self.thing_name, first_ms, self.seq)
        body = "\n".join(json.dumps({k: v for k, v in r.items() if k != "_ms"}) for r in batch)
        try:
            self.put(self.bucket, key, body.encode("utf-8"))
        except Exception:  # noqa: BLE001 - any failed write keeps the batch for the next flush
            self.write_errors += 1
            return None
        del self.records[: len(batch)]
        self.seq += 1
        return key
