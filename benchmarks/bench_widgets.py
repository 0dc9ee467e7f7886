"""Benchmark: kernel-side seconds from an answer to its feedback (target < 0.05 s, DESIGN.md §8).

The measured path is what a trainee's click runs in the kernel: the widget collects the answer,
:meth:`ProgressStore.submit` grades it and writes the attempt row to SQLite (WAL), and the widget
renders the feedback. The baseline, run in the same process on the same exercise, is
:func:`shegong.training.grading.grade` alone (scoring without storage or widgets).
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

TARGET_SECONDS = 0.05


def _median_seconds(action, repeat: int) -> float:
    samples = []
    for i in range(repeat):
        start = time.perf_counter()
        action(i)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def run(repeat: int = 200) -> list[dict]:
    """Rows ``{"name", "value", "unit", "baseline", "ratio", "target"}`` (seconds, medians of
    ``repeat`` runs)."""
    from shegong.training.curriculum import load_module
    from shegong.training.grading import grade
    from shegong.training.progress import ProgressStore
    from shegong.widgets import exercise_widget

    old_key = os.environ.get("SHEGONG_KEY_FILE")
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["SHEGONG_KEY_FILE"] = str(Path(tmp) / "pseudonym.key")
        try:
            store = ProgressStore(f"sqlite:///{Path(tmp) / 'progress.sqlite'}")
            trainee = store.add_trainee("bench", role="volunteer")
            module = load_module("m01-ethics")
            single, multi = module.exercise("e01"), module.exercise("e02")
            submit = lambda ex, answer, seconds: store.submit(trainee, ex, answer, seconds=seconds)  # noqa: E731
            w1 = exercise_widget(single, submit=submit)
            w2 = exercise_widget(multi, submit=submit)

            def click_single(i: int) -> None:
                w1.choice.value = "ab"[i % 2]
                w1.submit_button.click()

            def click_multi(i: int) -> None:
                w2.boxes["a"].value, w2.boxes["b"].value = True, bool(i % 2)
                w2.submit_button.click()

            rows = []
            for name, ex, click, answer in (
                ("single choice", single, click_single, "b"),
                ("multiple choice", multi, click_multi, ["a", "b"]),
            ):
                baseline = _median_seconds(
                    lambda _i, ex=ex, answer=answer: grade(ex, answer), repeat
                )
                value = _median_seconds(click, repeat)
                rows.append(
                    {
                        "name": f"widget answer→feedback ({name})",
                        "value": value,
                        "unit": "s",
                        "baseline": baseline,
                        "ratio": value / baseline,
                        "target": TARGET_SECONDS,
                    }
                )
            assert len(store.attempts()) == 2 * repeat
            store.close()
        finally:
            if old_key is None:
                os.environ.pop("SHEGONG_KEY_FILE", None)
            else:
                os.environ["SHEGONG_KEY_FILE"] = old_key
    return rows


if __name__ == "__main__":
    for row in run():
        print(
            f"{row['name']}: {row['value'] * 1000:.2f} ms (grading alone "
            f"{row['baseline'] * 1000:.3f} ms, "
            f"×{row['ratio']:.0f}; target < {row['target'] * 1000:.0f} ms)"
        )
