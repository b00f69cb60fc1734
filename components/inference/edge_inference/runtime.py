"""Loads the model component's Neo artifact with the DLR runtime.

DLR (https://github.com/neo-ai/neo-ai-dlr) runs models compiled by SageMaker Neo:
``dlr.DLRModel(model_dir, dev_type)`` and ``model.run(inputs)`` returning a list of outputs.
Where DLR is not installed (a development machine, this repository's tests) the caller gets
``RuntimeUnavailable`` and may pass a stand-in model instead.
"""

from typing import Any, Callable, Protocol, Sequence


class RuntimeUnavailable(RuntimeError):
    pass


class Model(Protocol):
    def run(self, inputs: Any) -> Sequence[Any]: ...


def load_model(model_dir: str, device: str = "cpu", importer: Callable[[str], Any] = __import__) -> Model:
    try:
        dlr = importer("dlr")
    except ImportError as error:
        raise RuntimeUnavailable(
            "the DLR runtime is not installed (pip install dlr on the device); "
            f"cannot load the model in {model_dir}"
        ) from error
    return dlr.DLRModel(model_dir, device)
