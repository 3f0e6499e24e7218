"""The bulletin chart: units without a score are left out (not drawn as 0) and every label shows whole."""

from __future__ import annotations

import warnings

from matplotlib.backends.backend_agg import FigureCanvasAgg

from models.demo.notice_samples import stress_cases
from models.documents import bulletin
from models.documents.chart import chart_figure


def test_unscored_units_are_left_out_and_every_label_fits() -> None:
    data = stress_cases()["bulletin-30"][1].data
    scored = [(u["unit"].replace("🚀", ""), float(u["score"])) for u in data["units"] if u["score"] is not None]
    image = bulletin.chart(data)
    assert len(scored) == 27 and image.png.startswith(b"\x89PNG")
    fig = chart_figure(tuple(scored), width_mm=bulletin.CHART_WIDTH_MM, height_mm=image.height_mm)
    canvas = FigureCanvasAgg(fig)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        canvas.draw()
    renderer = canvas.get_renderer()
    ax = fig.axes[0]
    labels = [t for t in ax.get_yticklabels() if t.get_text()]
    assert len(labels) == 27 == len(ax.patches)  # one bar per scored unit, none for the three without a score
    width, height = fig.bbox.width, fig.bbox.height
    for label in labels:
        box = label.get_window_extent(renderer)
        assert box.x0 >= 0 and box.x1 <= width and box.y0 >= 0 and box.y1 <= height, label.get_text()
    assert max(len(t.get_text()) for t in labels) >= 17  # the longest unit name is there, wrapped not clipped
