"""The contracts this component shares with the pipeline (TypeScript side in parentheses).

Smoke test (functions/shared/smoke-contract.ts): requests arrive on
``edge-mlops/smoke/request/<thingName>/<runId>`` as ``{runId, requestId, payload, sentAt}``;
the answer goes to ``edge-mlops/smoke/response/<runId>`` as
``{runId, requestId, thingName, output, latencyMs}``.

Capture (functions/shared/capture-contract.ts): JSON lines batched to
``s3://<bucket>/<prefix>/<modelGroup>/<yyyy>/<mm>/<dd>/<HH>/<thingName>-<epochMs>-<seq>.jsonl``.
"""

import os
from datetime import datetime, timezone

SMOKE_REQUEST_FILTER = "edge-mlops/smoke/request/{thing}/+"


def smoke_request_filter(thing_name: str) -> str:
    return SMOKE_REQUEST_FILTER.format(thing=thing_name)


def smoke_response_topic(run_id: str) -> str:
    return f"edge-mlops/smoke/response/{run_id}"


def run_id_of(topic: str) -> str:
    """The run id is the last level of the request topic."""
    return topic.rsplit("/", 1)[-1]


def capture_batch_key(prefix: str, model_group: str, thing_name: str, first_ms: int, seq: int) -> str:
    hour = datetime.fromtimestamp((first_ms // 3_600_000) * 3600, tz=timezone.utc)
    return (
        f"{prefix}/{model_group}/{hour:%Y/%m/%d/%H}/"
        f"{thing_name}-{first_ms}-{seq}.jsonl"
    )


def model_version_from_dir(model_dir: str) -> int:
    """The model package version, from the model component's directory.

    Native packaging: the model component unpacks the model into its work folder and writes
    its component version to ``.edge-mlops-version`` there (functions/shared/greengrass/recipes.ts,
    unpackScript); the work folder's path has no version. Otherwise, Greengrass unpacks a component's artifacts under
    ``<root>/packages/artifacts-unarchived/<componentName>/<componentVersion>/`` (Greengrass
    developer guide, recipe variable ``artifacts:decompressedPath``), and the model component's
    version is ``<major>.0.<model package version>`` (functions/resolve-model).
    """
    marker = os.path.join(model_dir, ".edge-mlops-version")
    if os.path.isfile(marker):
        with open(marker, encoding="utf-8") as f:
            pieces = f.read().strip().split(".")
        if len(pieces) == 3 and all(p.isdigit() for p in pieces):
            return int(pieces[2])
        raise ValueError(f"{marker} does not hold a component version")
    for part in reversed(model_dir.replace("\\", "/").split("/")):
        pieces = part.split(".")
        if len(pieces) == 3 and all(p.isdigit() for p in pieces):
            return int(pieces[2])
    raise ValueError(f"no component version in the model directory {model_dir}")
