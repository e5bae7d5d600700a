"""Interactive views for the chapters (ipywidgets); each has a static figure for the printed book."""

from .trace_viewer import trace_viewer

__all__ = ["trace_viewer"]
