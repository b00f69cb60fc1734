"""Sample edge-mlops inference component for AWS IoT Greengrass v2 (see README.md)."""
