"""The built-in losses. Importing this package registers every kernel in the registry, in the order
``losscli list`` shows them."""

# isort: skip_file
from losscli.losses import classification, margin, regression  # noqa: F401
from losscli.losses import soft_margin, embedding, counting, deviance, quantile, likelihood  # noqa: F401
from losscli.losses import summary  # noqa: F401
from losscli.losses import calibration  # noqa: F401
from losscli.losses import language_model  # noqa: F401
