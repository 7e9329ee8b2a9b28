"""The slider explorer, driven without a browser: move the controls, read what it shows.

What it shows is compared with the package's layers built here independently, and, for
a sample of settings, with real Keras layers and real torch.nn modules.
"""

from __future__ import annotations

import html
import json
import re
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from traitlets import TraitError

import lstm_params as lp
from lstm_params import widgets

KINDS = ("LSTM", "GRU", "SimpleRNN")
TORCH_NAMES = {"LSTM": "LSTM", "GRU": "GRU", "SimpleRNN": "RNN"}
SLOW = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@st.composite
def settings_(draw, max_m=4096, max_n=2048):
    return {
        "input_dim": draw(st.integers(1, max_m)),
        "units": draw(st.integers(1, max_n)),
        "kind": draw(st.sampled_from(KINDS)),
        "use_bias": draw(st.booleans()),
        "bidirectional": draw(st.booleans()),
        "reset_after": draw(st.booleans()),
        "framework": draw(st.sampled_from(widgets.FRAMEWORKS)),
        "dtype": draw(st.sampled_from(sorted(lp.DTYPE_BYTES))),
    }


def package_layer(s):
    """The package's own layer for these settings, built without the explorer's code."""
    m, n = s["input_dim"], s["units"]
    if s["framework"] == "PyTorch":
        cls = getattr(lp.pytorch, TORCH_NAMES[s["kind"]])
        return cls(input_size=m, hidden_size=n, bias=s["use_bias"], bidirectional=s["bidirectional"])
    kwargs = {"use_bias": s["use_bias"]}
    if s["kind"] == "GRU":
        kwargs["reset_after"] = s["reset_after"]
    layer = getattr(lp, s["kind"])(n, input_dim=m, **kwargs)
    return lp.Bidirectional(layer) if s["bidirectional"] else layer


def shown_total(ex) -> int:
    text = re.sub(r"<[^>]+>", "", ex.total.value)
    match = re.fullmatch(r"([\d,]+) parameters", text)
    assert match, text
    return int(match.group(1).replace(",", ""))


def table_rows(ex):
    """(direction, gate, params) of each body row, and the footer's total, read from the HTML."""
    rows = re.findall(r"<tr class='lp-gate-row' data-gate='([^']*)' data-direction='([^']*)' "
                      r"data-params='(\d+)'>(.*?)</tr>", ex.table.value)
    footer = re.search(r"<tr class='lp-total-row' data-params='(\d+)'>(.*?)</tr>", ex.table.value)
    assert footer
    out = []
    for gate, direction, params, cells in rows:
        numbers = [int(x.replace(",", "")) for x in re.findall(r"<td class='r'>(?:<b>)?([\d,]+)", cells)]
        assert numbers[-1] == int(params)  # the bold total cell says what the attribute says
        assert sum(numbers[:-1]) == int(params)  # W + U + b
        out.append((html.unescape(direction), html.unescape(gate), int(params)))
    total_cells = [int(x.replace(",", "")) for x in re.findall(r"<td class='r'>([\d,]+)</td>", footer.group(2))]
    assert total_cells[-1] == int(footer.group(1)) == sum(total_cells[:-1])
    return out, int(footer.group(1))


def expected_rows(layer):
    """(direction, gate, params) per gate, summed from the package layer's weight list."""
    sums: dict[tuple[str, str], int] = {}
    for w in layer.weights:
        direction = w.direction or ("backward" if w.variable.endswith("_reverse") else "forward")
        sums[(direction, w.gate)] = sums.get((direction, w.gate), 0) + w.size
    bidir = any(d == "backward" for d, _ in sums)
    return [(d if bidir else "", g, c) for (d, g), c in sums.items()]


# -- what it shows equals the counts -----------------------------------------------------
@settings(max_examples=200, deadline=None)
@given(s=settings_())
def test_total_table_and_memory_follow_the_controls(s):
    ex = widgets.explorer()
    for name, value in s.items():  # one control at a time, as a reader clicks
        ex.controls[name].value = value
    layer = package_layer(s)
    assert shown_total(ex) == ex.params == layer.params
    rows, total = table_rows(ex)
    assert total == layer.params
    assert rows == expected_rows(layer)
    if s["kind"] != "SimpleRNN" and not s["bidirectional"]:  # SimpleRNN has one transformation, no gates
        assert [(g, c) for _, g, c in rows] == list(layer.gate_params.items())
    assert f"float32: {layer.params * 4:,} bytes" in ex.memory.value
    assert f"{s['dtype']}: {layer.memory_bytes(s['dtype']):,} bytes" in ex.memory.value
    assert ex.picture.value.count("<rect class='lp-w") == len(layer.weights)
    assert f"= {layer.params:,}" in ex.formula.value


@settings(max_examples=100, deadline=None)
@given(start=settings_(), moves=st.lists(st.tuples(st.sampled_from(["input_dim", "units"]),
                                                   st.integers(-10_000, 10_000)), min_size=1, max_size=8))
def test_slider_moves_keep_the_numbers_right(start, moves):
    """Rapid moves, including out-of-range ones, leave a count that matches the sliders."""
    ex = widgets.explorer(**start)
    for name, value in moves:
        ex.controls[name].value = value
    s = ex.values
    assert 1 <= s["input_dim"] <= 4096 and 1 <= s["units"] <= 2048
    assert shown_total(ex) == package_layer(s).params


@pytest.mark.parametrize(("name", "value", "clamped"), [
    ("input_dim", 0, 1), ("input_dim", -7, 1), ("input_dim", 4097, 4096), ("input_dim", 10**9, 4096),
    ("units", 0, 1), ("units", 2049, 2048), ("units", 123_456, 2048),
])
def test_out_of_range_values_are_clamped(name, value, clamped):
    ex = widgets.explorer()
    ex.controls[name].value = value
    assert ex.controls[name].value == clamped
    assert shown_total(ex) == package_layer(ex.values).params


@SLOW
@given(s=settings_(max_m=300, max_n=300).filter(lambda s: s["framework"] == "Keras"))
def test_total_equals_real_keras(keras, s):
    ex = widgets.explorer(**s)
    kwargs = {"units": s["units"], "use_bias": s["use_bias"]}
    if s["kind"] == "GRU":
        kwargs["reset_after"] = s["reset_after"]
    layer = getattr(keras.layers, s["kind"])(**kwargs)
    if s["bidirectional"]:
        layer = keras.layers.Bidirectional(layer)
    layer(keras.Input((None, s["input_dim"])))
    assert shown_total(ex) == layer.count_params()
    rows, _ = table_rows(ex)
    cell = layer.forward_layer.cell if s["bidirectional"] else layer.cell
    per_gate = sum(v.numpy().size for v in cell.weights) // {"LSTM": 4, "GRU": 3, "SimpleRNN": 1}[s["kind"]]
    assert {c for _, _, c in rows} == {per_gate}  # every gate holds the same share
    assert f"float32: {layer.count_params() * 4:,} bytes" in ex.memory.value


@SLOW
@given(s=settings_(max_m=300, max_n=300).filter(lambda s: s["framework"] == "PyTorch"))
def test_total_equals_real_torch(torch, s):
    ex = widgets.explorer(**s)
    module = getattr(torch.nn, TORCH_NAMES[s["kind"]])(s["input_dim"], s["units"], bias=s["use_bias"],
                                                        bidirectional=s["bidirectional"])
    expected = sum(p.numel() for p in module.parameters())
    assert shown_total(ex) == expected
    _, total = table_rows(ex)
    assert total == expected
    assert f"torch.nn.{TORCH_NAMES[s['kind']]}({s['input_dim']}, {s['units']}" in ex.formula.value


def test_the_famous_example_and_the_pytorch_difference():
    ex = widgets.explorer()
    assert ex.values["kind"] == "LSTM" and ex.values["framework"] == "Keras"
    assert re.sub(r"<[^>]+>", "", ex.total.value) == f"{lp.LSTM(256, input_dim=4096).params:,} parameters"
    ex.set(framework="PyTorch")
    assert shown_total(ex) == lp.pytorch.LSTM(4096, 256).params
    keras_count = lp.LSTM(256, input_dim=4096).params
    assert f"Keras counts {keras_count:,} ({keras_count - ex.params:+,})" in ex.formula.value


# -- controls ---------------------------------------------------------------------------
def test_controls_are_bounded_sliders_and_choices():
    ex = widgets.explorer()
    c = ex.controls
    assert {"input_dim", "units", "kind", "use_bias", "bidirectional", "reset_after", "framework",
            "dtype", "fixed_scale"} == set(c)
    assert (c["input_dim"].min, c["input_dim"].max) == (1, 4096)
    assert (c["units"].min, c["units"].max) == (1, 2048)
    assert c["input_dim"].continuous_update and c["units"].continuous_update
    assert list(c["kind"].options) == ["LSTM", "GRU", "SimpleRNN"] and c["kind"].value == "LSTM"
    assert list(c["framework"].options) == ["Keras", "PyTorch"]
    assert set(c["dtype"].options) == set(lp.DTYPE_BYTES) and c["dtype"].value == "float32"
    with pytest.raises(TraitError):
        c["kind"].value = "Transformer"
    with pytest.raises(TraitError):
        c["dtype"].value = "float8"


def test_every_part_has_a_stable_description_and_css_class():
    ex = widgets.explorer()
    for name, control in ex.controls.items():
        assert widgets.DOM_CLASSES[name] in control._dom_classes
        assert control.description
    assert ex.controls["input_dim"].description == "m (input_dim)"
    assert ex.controls["units"].description == "n (units)"
    for name in ("total", "formula", "memory", "table", "picture"):
        assert widgets.DOM_CLASSES[name] in getattr(ex, name)._dom_classes
    assert widgets.DOM_CLASSES["explorer"] in ex.widget._dom_classes
    assert len(set(widgets.DOM_CLASSES.values())) == len(widgets.DOM_CLASSES)


def test_reset_after_only_matters_for_a_keras_gru():
    ex = widgets.explorer()
    assert ex.controls["reset_after"].disabled
    ex.set(kind="GRU")
    assert not ex.controls["reset_after"].disabled
    with_after = ex.params
    ex.set(reset_after=False)
    assert ex.params == lp.GRU(256, input_dim=4096, reset_after=False).params != with_after
    ex.set(framework="PyTorch")
    assert ex.controls["reset_after"].disabled


def test_set_makes_one_update_and_names_unknown_controls():
    ex = widgets.explorer()
    before = ex.updates
    ex.set(input_dim=25, units=100, kind="GRU")
    assert ex.updates == before + 1
    with pytest.raises(ValueError, match=r"unknown control\(s\) \['unit'\]"):
        ex.set(unit=3)


@pytest.mark.parametrize(("kwargs", "error", "message"), [
    ({"input_dim": 0}, ValueError, "input_dim must be a positive integer, got 0"),
    ({"input_dim": 5000}, ValueError, "input_dim must be between 1 and 4096 (the slider's range), got 5000"),
    ({"units": 2049}, ValueError, "units must be between 1 and 2048 (the slider's range), got 2049"),
    ({"units": 2.0}, TypeError, "units must be a positive integer, got 2.0"),
    ({"kind": "lstm"}, ValueError, "kind must be one of 'LSTM', 'GRU', 'SimpleRNN', got 'lstm'"),
    ({"use_bias": "yes"}, TypeError, "use_bias must be True or False"),
    ({"bidirectional": 1}, TypeError, "bidirectional must be True or False"),
    ({"framework": "JAX"}, ValueError, "framework must be one of 'Keras', 'PyTorch', got 'JAX'"),
    ({"dtype": "fp32"}, ValueError, "dtype must be one of"),
])
def test_bad_starting_values_are_named(kwargs, error, message):
    with pytest.raises(error, match=re.escape(message)):
        widgets.explorer(**kwargs)


# -- what a browser sends ----------------------------------------------------------------
def from_the_page(monkeypatch, widget, state):
    """Do in the kernel what a comm_msg "update" from the page does; return what the kernel sends back."""
    sent = []
    monkeypatch.setattr(widget, "_send", lambda msg, buffers=None: sent.append(msg))
    widget._handle_msg({"content": {"data": {"method": "update", "state": state, "buffer_paths": []}},
                        "buffers": []})
    monkeypatch.undo()
    return sent


def assert_sane(ex):
    """Bounds as built, values within them, and a total that is the package's count for the values."""
    c = ex.controls
    assert (c["input_dim"].min, c["input_dim"].max, c["units"].min, c["units"].max) == (1, 4096, 1, 2048)
    assert (c["input_dim"].step, c["units"].step) == (1, 1)
    assert list(c["kind"].options) == list(KINDS) and list(c["kind"]._options_labels) == list(KINDS)
    assert list(c["framework"].options) == list(widgets.FRAMEWORKS)
    assert shown_total(ex) == ex.params == package_layer(ex.values).params


@pytest.mark.parametrize(("name", "state", "kept"), [
    ("units", {"max": 10**9, "value": 10**9}, 2048),  # the probe's 4,004,000,000,004,000,000,000
    ("units", {"min": -5, "value": -5}, 1),  # raised inside the kernel and left a stale total
    ("input_dim", {"value": 10**30}, 4096),
    ("units", {"value": -1}, 1),
    ("units", {"value": "abc"}, 256), ("units", {"value": 3.5}, 256), ("units", {"value": True}, 256),
    ("units", {"value": None}, 256), ("units", {"step": 1000}, 256),
    ("kind", {"index": 7}, "LSTM"), ("kind", {"index": -1}, "LSTM"), ("kind", {"index": "1"}, "LSTM"),
    ("kind", {"_options_labels": ["A", "B", "C"]}, "LSTM"), ("dtype", {"index": 99}, "float32"),
    ("use_bias", {"value": "yes"}, True), ("use_bias", {"value": 0}, True),
    ("reset_after", {"disabled": False, "value": False}, True),  # disabled for an LSTM: stays as it is
])
def test_the_kernel_takes_only_a_value_within_bounds_from_the_page(monkeypatch, name, state, kept):
    ex = widgets.explorer()
    control = ex.controls[name]
    sent = from_the_page(monkeypatch, control, state)
    assert control.value == kept
    assert_sane(ex)
    assert ex.controls["reset_after"].disabled
    # the page's copy is put back: the last message says the kernel's value and bounds, not the page's
    assert sent and sent[-1]["method"] == "update"
    assert {k: sent[-1]["state"][k] for k in state} == control.get_state(list(state))


def test_a_reader_moving_a_control_gets_no_correction(monkeypatch):
    ex = widgets.explorer()
    sent = from_the_page(monkeypatch, ex.controls["units"], {"value": 300})
    assert ex.controls["units"].value == 300 and [m["method"] for m in sent] == ["echo_update"]
    sent = from_the_page(monkeypatch, ex.controls["kind"], {"index": 1})
    assert ex.controls["kind"].value == "GRU" and not ex.controls["reset_after"].disabled
    assert_sane(ex)


def test_outputs_and_boxes_take_nothing_from_the_page(monkeypatch):
    ex = widgets.explorer()
    before = ex.total.value
    from_the_page(monkeypatch, ex.total, {"value": "<b>1</b> parameters"})
    from_the_page(monkeypatch, ex.widget, {"children": []})
    assert ex.total.value == before and len(ex.widget.children) == 11
    assert_sane(ex)


JSON = st.recursive(st.none() | st.booleans() | st.integers(-10**20, 10**20) | st.floats() | st.text(max_size=5),
                    lambda inner: st.lists(inner, max_size=3), max_leaves=5)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(messages=st.lists(st.tuples(st.sampled_from(sorted(widgets.DOM_CLASSES.keys() - {"explorer", "total",
                                                                                            "formula", "memory",
                                                                                            "table", "picture"})),
                                   st.dictionaries(st.sampled_from(["value", "index", "min", "max", "step",
                                                                    "disabled", "_options_labels"]),
                                                   JSON, min_size=1, max_size=3)),
                         min_size=1, max_size=6))
def test_any_update_from_the_page_leaves_a_true_total(monkeypatch, messages):
    """Whatever a page sends, in any order, the kernel's bounds hold and the total matches its values."""
    ex = widgets.explorer()
    for name, state in messages:
        from_the_page(monkeypatch, ex.controls[name], state)
        assert_sane(ex)


# -- display ----------------------------------------------------------------------------
def test_displays_as_its_widget_tree():
    ex = lp.explorer()
    bundle = ex._repr_mimebundle_()
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == ex.widget.model_id
    assert ex.total in ex.widget.children and ex.table in ex.widget.children and ex.picture in ex.widget.children
    assert bundle["text/plain"] == ex.summary() and bundle["text/html"] == ex._repr_html_()  # the fallbacks
    assert "4,457,472 parameters" in repr(ex)


# Tags JupyterLab's sanitizer keeps (allowedTags in packages/apputils/src/sanitizer.ts); <style> and <svg> are not
# among them: an untrusted notebook (and GitHub, nbviewer) would drop them and run their text together.
SANITIZER_SAFE_TAGS = {"div", "span", "code", "br", "small", "b", "sub", "table", "thead", "tbody", "tfoot", "tr",
                       "th", "td"}


@pytest.mark.parametrize("position", [{}, {"kind": "GRU", "bidirectional": True, "framework": "PyTorch"}])
def test_snapshot_reads_without_a_kernel_and_without_trust(position):
    ex = lp.explorer()
    ex.set(**position)
    snap = ex.snapshot()
    assert snap.html == ex._repr_html_() and snap.text == ex.summary()
    assert set(re.findall(r"<([a-z0-9]+)", snap.html)) <= SANITIZER_SAFE_TAGS
    assert ex.table.value.replace(widgets._TABLE_STYLE, "") in snap.html  # the live table, less its <style>
    assert f"{ex.params:,}</span> parameters" in snap.html
    png, size = snap.picture._repr_png_()  # the picture: an image output of its own
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and size["width"] == 560
    description = str(snap.picture)
    assert description.startswith(f"{ex.layer.kind} weights to scale") and f"{ex.params:,} parameters" in description
    assert all(f"{w.name} " in description for w in ex.layer.weights)


def test_update_path_imports_no_framework():
    code = ("import sys, json, lstm_params as lp\n"
            "ex = lp.explorer()\n"
            "for n in range(1, 2049, 97): ex.controls['units'].value = n\n"
            "ex.set(kind='GRU', framework='PyTorch', bidirectional=True, dtype='int8')\n"
            "print(json.dumps(sorted(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    loaded = {name.split(".")[0] for name in json.loads(out.stdout.strip().splitlines()[-1])}
    assert not loaded & {"tensorflow", "keras", "torch", "matplotlib", "jax"}, sorted(loaded)


@settings(max_examples=60, deadline=None)
@given(s=settings_())
def test_summary_text_says_what_the_widgets_show(s):
    ex = widgets.explorer(**s)
    layer = package_layer(s)
    lines = ex.summary().splitlines()
    assert lines[1].endswith(f" = {layer.params:,} parameters")
    assert lines[2] == re.sub(r"<[^>]+>", "", ex.memory.value).replace("&nbsp;", " ")
    assert lines[-1].split()[-1] == f"{layer.params:,}"
    body = lines[4:-1]
    assert [int(line.split()[-1].replace(",", "")) for line in body] == [c for _, _, c in expected_rows(layer)]


# -- the fixed scale ----------------------------------------------------------------------
def block_area(ex, label):
    """Pixel area of the first block called ``label`` in the explorer's SVG picture."""
    found = re.search(rf"<rect class='lp-w [^']*' x='[\d.]+' y='[\d.]+' width='([\d.]+)' height='([\d.]+)'[^>]*>"
                      rf"<title>{label} ", ex.picture.value)
    assert found, label
    return float(found.group(1)) * float(found.group(2))


def test_fixed_scale_makes_the_picture_grow_with_the_count():
    ex = widgets.explorer(1024, 128)
    ex.controls["fixed_scale"].value = True
    before, px = block_area(ex, "W_i"), ex.pixels_per_unit
    ex.controls["units"].value = 256  # W's parameters double: so does its area
    assert ex.pixels_per_unit == px and block_area(ex, "W_i") == pytest.approx(2 * before, rel=0.01)
    assert ex.snapshot().picture.blocks[0].scale == px
    ex.controls["fixed_scale"].value = False
    assert ex.pixels_per_unit is None


def test_fixed_scale_refits_a_picture_that_outgrows_the_page():
    ex = widgets.explorer(2, 2)
    ex.controls["fixed_scale"].value = True
    px = ex.pixels_per_unit
    ex.set(input_dim=4096, units=2048)
    assert ex.pixels_per_unit < px and "Too large for the fixed scale" in ex.picture.value
    width = max(float(x) + float(w) for x, w in re.findall(r"<rect class='lp-w [^']*' x='([\d.]+)' y='[\d.]+' "
                                                            r"width='([\d.]+)'", ex.picture.value))
    assert width <= widgets.FIXED_SCALE_LIMIT[0]
    assert shown_total(ex) == package_layer(ex.values).params
