"""What differs between ipywidgets 7 (Colab's front end serves 7.7) and 8 (the pinned version).

The explorers use core widgets only, whose traits are the same in both; the one difference they
meet is how a widget hands its live view to IPython's display machinery.
"""

# The mime type a front end renders as a live widget; the protocol version both 7 and 8 speak.
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def widget_view_bundle(widget, include=None, exclude=None) -> dict:
    """The mime bundle that shows widget's live view: mime type -> data.

    ipywidgets 8 builds it in Widget._repr_mimebundle_; ipywidgets 7 has no such method and
    builds the same view entry {version_major: 2, version_minor: 0, model_id} inside
    _ipython_display_, which also displays it at once (an explorer adds its PNG first).
    """
    if hasattr(widget, "_repr_mimebundle_"):
        return widget._repr_mimebundle_(include=include, exclude=exclude) or {}
    view = {"version_major": 2, "version_minor": 0, "model_id": widget.model_id}
    return {"text/plain": repr(widget), WIDGET_VIEW: view}
