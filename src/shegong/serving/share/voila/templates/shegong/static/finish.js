// Shegong Workbench: every cell has arrived: show them (Voila's inline `window.voila_finish()`).
window.voila_finish();
