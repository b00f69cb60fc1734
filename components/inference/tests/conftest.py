import os
import sys

# The component's package, importable without installing it.
sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
