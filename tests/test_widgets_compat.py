"""scoreedu.widgets.compat: the explorers' one difference between ipywidgets 7 and 8."""

import types

import ipywidgets as widgets

from scoreedu.widgets.compat import WIDGET_VIEW, widget_view_bundle


def test_the_view_built_for_ipywidgets_7_is_the_one_8_builds():
    slider = widgets.IntSlider()
    eight = widget_view_bundle(slider)
    assert WIDGET_VIEW in eight, "ipywidgets 8 (pinned here) builds the view itself"
    # ipywidgets 7.7 widgets have a model_id but no _repr_mimebundle_
    seven = widget_view_bundle(types.SimpleNamespace(model_id=slider.model_id))
    assert seven[WIDGET_VIEW] == eight[WIDGET_VIEW]
    assert seven[WIDGET_VIEW]["model_id"] == slider.model_id


def test_an_explorer_displays_its_live_view_and_a_png():
    from scoreedu.widgets import energy_explorer

    bundle = energy_explorer()._repr_mimebundle_()
    assert bundle[WIDGET_VIEW]["version_major"] == 2 and "image/png" in bundle
