"""The compiled model's input from an image's grayscale pixels.

The pipeline puts the stage config's ``neo.dataInputConfig`` (input name → shape, as Neo
compiled the model, e.g. ``{"input0": [1, 3, 224, 224]}``) in the component's configuration
as ``modelInputs``. This sample feeds one NCHW image input with the gray value in every
channel; DLR takes the nested lists as a numpy array (serve.py converts).
"""

from typing import Any, Callable, Dict, List, Sequence, Tuple


def _image_input(inputs: Dict[str, Sequence[int]]) -> Tuple[str, Sequence[int]]:
    if len(inputs) != 1:
        raise ValueError(f"this component feeds one image input of shape [1, C, H, W]; the model has {sorted(inputs)}")
    name, shape = next(iter(inputs.items()))
    if len(shape) != 4 or shape[0] != 1:
        raise ValueError(f"this component feeds one image input of shape [1, C, H, W]; {name} is {list(shape)}")
    return name, shape


def image_size(inputs: Dict[str, Sequence[int]]) -> Tuple[int, int]:
    """(width, height) to decode images to; 224x224 when the model's inputs are not given."""
    if not inputs:
        return (224, 224)
    _, shape = _image_input(inputs)
    return (int(shape[3]), int(shape[2]))


def input_for(inputs: Dict[str, Sequence[int]]) -> Callable[[Sequence[float]], Tuple[str, List[Any]]]:
    name, (_, channels, height, width) = _image_input(inputs)

    def to_input(pixels: Sequence[float]) -> Tuple[str, List[Any]]:
        if len(pixels) != height * width:
            raise ValueError(f"the image has {len(pixels)} pixels; the model takes {height}x{width}")
        plane = [list(pixels[r * width : (r + 1) * width]) for r in range(height)]
        return name, [[plane for _ in range(channels)]]

    return to_input
