"""Pilot-year reports: the papermill batch, one unit's content, its sections, formatting, charts,
the replayed archive and the forked report kernels."""
