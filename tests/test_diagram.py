"""The LSTM cell picture (lstm_params.diagram): four learned boxes, each with its W, U and b."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pytest
from matplotlib.patches import Rectangle

from lstm_params.diagram import GATES, cell_diagram
from lstm_params.plots import ROLE_COLORS


@pytest.mark.parametrize("m, n", [(25, 100), (4096, 256), (1, 1), (3, 7)])
def test_each_box_shows_its_count_and_the_title_the_total(m, n):
    ax = cell_diagram(n, input_dim=m)
    texts = [t.get_text() for t in ax.texts]
    per_box = n * m + n * n + n  # one gate's W (n×m), U (n×n) and b (n), written out here
    assert texts.count(f"{per_box:,}") == 4
    assert f"{4 * per_box:,} parameters" in ax.get_title()
    assert f"W ({n:,}×{m:,})" in texts and f"U ({n:,}×{n:,})" in texts and f"b ({n:,})" in texts


def test_boxes_are_coloured_as_the_weight_pictures():
    ax = cell_diagram()
    fills = [matplotlib.colors.to_hex(p.get_facecolor()) for p in ax.patches if isinstance(p, Rectangle)]
    for role in ("input", "recurrent", "bias"):
        assert fills.count(ROLE_COLORS[role]) == len(GATES) + 1  # one stripe per box, one legend swatch
    assert [g.activation for g in GATES].count("tanh") == 1  # the candidate; the three gates squash to (0, 1)


def test_symbolic_without_sizes():
    ax = cell_diagram()
    assert "4(nm + n² + n)" in ax.get_title()
    assert not any(t.get_text().replace(",", "").isdigit() for t in ax.texts)


@pytest.mark.parametrize("kwargs, message", [
    ({"units": 0, "input_dim": 3}, "units must be a positive integer, got 0"),
    ({"units": 4, "input_dim": -1}, "input_dim must be a positive integer, got -1"),
    ({"units": 4}, "give both units and input_dim"),
    ({"units": 4, "input_dim": 2, "ax": "axes"}, "ax must be a matplotlib Axes or None"),
])
def test_bad_arguments_are_named(kwargs, message):
    with pytest.raises((ValueError, TypeError), match=message.replace("(", r"\(")):
        cell_diagram(**kwargs)
