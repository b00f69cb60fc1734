"""From a request's payload to pixel intensities (0 to 1).

Two forms: ``{"pixels": [...]}`` inline, or ``{"image": "s3://bucket/key"}`` as the stage
config's smoke inputs name their samples (twin.tests[].inputs[].payload). An image is read
with the device's token exchange credentials (``fetch``: boto3 ``get_object``) and decoded by
``decode`` (on the device Pillow, a dependency like dlr; stubbed in tests).
"""

import math
import re
from typing import Any, Callable, List, Optional

Fetch = Callable[[str, str], bytes]
Decode = Callable[[bytes], List[float]]

_S3 = re.compile(r"^s3://([^/]+)/(.+)$")


def payload_pixels(payload: Any, fetch: Optional[Fetch], decode: Optional[Decode]) -> List[float]:
    if isinstance(payload, dict) and "pixels" in payload:
        pixels = payload["pixels"]
        if not isinstance(pixels, list) or not all(
            isinstance(p, (int, float)) and not isinstance(p, bool) and math.isfinite(p) and 0 <= p <= 1 for p in pixels
        ):
            raise ValueError("pixels must be numbers from 0 to 1")
        return [float(p) for p in pixels]
    if isinstance(payload, dict) and "image" in payload:
        uri = payload["image"]
        match = _S3.match(uri) if isinstance(uri, str) else None
        if not match:
            raise ValueError(f"image {uri} is not an s3:// URI")
        if fetch is None or decode is None:
            raise ValueError("this component cannot read images (no S3 client or decoder)")
        return decode(fetch(match.group(1), match.group(2)))
    raise ValueError("the payload needs 'pixels' (numbers from 0 to 1) or 'image' (an s3:// URI)")


def pillow_decoder(size=(224, 224)) -> Decode:
    """Grayscale intensities of the image at the model's input size (needs Pillow on the device)."""
    from io import BytesIO

    from PIL import Image  # device only

    def decode(data: bytes) -> List[float]:
        image = Image.open(BytesIO(data)).convert("L").resize(size)
        return [p / 255 for p in image.getdata()]

    return decode
