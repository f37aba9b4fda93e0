"""Shapes of the clustering API, one module per contract where a contract has its own:
`canonical.py` (`/api/v1/runs/` and the run, cluster and assignment shapes others reuse),
`v1.py` (document 002's train), `workspace.py` (document 000's clustering answers), and
`run_start.py`, the run-start body every run contract shares. Everything is importable from
here."""

from ...services.params import LINKAGES, MAX_CLUSTERS, MIN_CLUSTERS
from .canonical import (
    AssignmentSerializer,
    ClusterRenameInputSerializer,
    ClusterSerializer,
    KSweepSerializer,
    OptimalKQuerySerializer,
    RunCreateInputSerializer,
    RunSerializer,
)
from .drift import (
    DriftCheckSerializer,
    DriftQuerySerializer,
    DriftSerializer,
)
from .lineage import MoverSerializer, RunComparisonSerializer
from .run_start import (
    PARAMETER_FIELDS,
    CurrentDatasetRunStartInputSerializer,
    RunStartInputSerializer,
    parameters_from,
    run_start_arguments,
)
from .v1 import V1TrainInputSerializer, V1TrainMetricsSerializer, V1TrainSerializer
from .workspace import WorkspaceTopFeatureSerializer

__all__ = [
    "LINKAGES",
    "MAX_CLUSTERS",
    "MIN_CLUSTERS",
    "PARAMETER_FIELDS",
    "AssignmentSerializer",
    "ClusterRenameInputSerializer",
    "ClusterSerializer",
    "CurrentDatasetRunStartInputSerializer",
    "DriftCheckSerializer",
    "DriftQuerySerializer",
    "DriftSerializer",
    "KSweepSerializer",
    "MoverSerializer",
    "OptimalKQuerySerializer",
    "RunComparisonSerializer",
    "RunCreateInputSerializer",
    "RunSerializer",
    "RunStartInputSerializer",
    "V1TrainInputSerializer",
    "V1TrainMetricsSerializer",
    "V1TrainSerializer",
    "WorkspaceTopFeatureSerializer",
    "parameters_from",
    "run_start_arguments",
]
