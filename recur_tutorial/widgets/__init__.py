"""Interactive views for the chapters (ipywidgets); each has a static figure for the printed book."""

from .eigenvalues import eigenvalue_explorer
from .trace_viewer import trace_viewer

__all__ = ["eigenvalue_explorer", "trace_viewer"]
