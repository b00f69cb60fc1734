"""The component's configuration: the recipe's, read from Greengrass, unless given on the command line.

register-inference-component puts the model group and the stage's capture settings
(``monitoring``: captureBucket, capturePrefix, sampleRate) in the recipe's
DefaultConfiguration; the component reads them with the GetConfiguration IPC operation
(Greengrass developer guide, "Interact with component configuration": without a component
name it is the caller's own configuration, and needs no authorization policy). ``--config``
is for a run by hand.
"""

import json
from typing import Any, Callable, Dict, Optional


def component_settings(cli_config: Optional[str], get_configuration: Callable[[], Dict[str, Any]]) -> Dict[str, Any]:
    if cli_config is None:
        return dict(get_configuration() or {})
    settings = json.loads(cli_config)
    if not isinstance(settings, dict):
        raise ValueError("--config must be a JSON object")
    return settings
