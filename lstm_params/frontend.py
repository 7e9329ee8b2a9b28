"""The layers that sit in front of (and between) recurrent layers: convolutions and normalizations.

Real recurrent models rarely start with the LSTM: a speech model convolves its
spectrogram first, a video model runs a small CNN on every frame, and many stacks
normalize between layers.  Their counts, in Keras vocabulary, each derived from the
weight list like every other layer's:

* :class:`Conv1D`, :class:`Conv2D`, :class:`Conv3D`: a kernel of k₁ × … × C × F weights
  (C = ``input_dim``, the input channels; F = ``filters``) and F biases:
  F(∏k·C + 1).  With ``groups`` g, each filter sees only C/g channels (written c).
* :class:`Conv1DTranspose`, :class:`Conv2DTranspose`, :class:`Conv3DTranspose`: the same
  weights stored the other way round, kernel (k…, F, C): the same count.
* :class:`BatchNormalization`: a scale γ and a shift β per channel (trainable) and the
  moving mean and variance (updated by the forward pass, not by gradients): Keras counts
  all four, 4C, and reports the moving two as non-trainable; PyTorch keeps them as
  buffers, not parameters, and counts 2C.
* :class:`LayerNormalization` and :class:`GroupNormalization`: γ and β, 2C.

Strides, padding, dilation, pooling and activations change the output, not the count.

>>> Conv1D(64, 5, input_dim=80).params  # 64 · (5 · 80 + 1)
25664
>>> Conv2D(32, (3, 3), input_dim=3).formula.factored
'F(k₁k₂C + 1)'
>>> bn = BatchNormalization(input_dim=64)
>>> bn.params, bn.non_trainable_params
(256, 128)
"""

from __future__ import annotations

from typing import Any, ClassVar

from . import _validate as v
from .layers import Layer
from .variants import _kernel_size
from .weights import Weight

__all__ = ["NON_TRAINABLE_ROLES", "non_trainable_params", "Conv", "Conv1D", "Conv2D", "Conv3D", "ConvTranspose",
           "Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose", "BatchNormalization", "LayerNormalization",
           "GroupNormalization"]

#: Roles of the pieces that gradients never update (Keras's non-trainable weights).
NON_TRAINABLE_ROLES = frozenset({"moving mean", "moving variance"})


def non_trainable_params(layer: Layer) -> int:
    """Parameters of ``layer`` that no gradient updates (BatchNormalization's moving statistics).

    >>> non_trainable_params(BatchNormalization(input_dim=10)), non_trainable_params(Conv1D(4, 3, input_dim=2))
    (20, 0)
    """
    return layer._weight_total(lambda w: w.role in NON_TRAINABLE_ROLES)  # by groups: no list of every copy


class _FrontEnd(Layer):
    """Adds the trainable / non-trainable split to a layer (Keras's ``model.summary()`` prints both)."""

    @property
    def non_trainable_params(self) -> int:
        """Parameters no gradient updates (0 but for BatchNormalization)."""
        return non_trainable_params(self)

    @property
    def trainable_params(self) -> int:
        """Parameters the optimizer updates: :attr:`params` minus :attr:`non_trainable_params`."""
        return self.params - self.non_trainable_params


class Conv(_FrontEnd):
    """Keras ``Conv{rank}D``: F filters of k₁ × … × (C/groups) weights each, and F biases.

    Parameters
    ----------
    filters:
        F, the output channels.
    kernel_size:
        An integer or ``rank`` integers (k₁, …).
    input_dim:
        C, the input channels (the last axis with ``channels_last``).
    use_bias:
        Whether each filter has a bias.
    groups:
        g: the channels are split into g groups and each filter reads one group, so its
        kernel has C/g channels (c in the formula).  g must divide both C and F.
    """

    _instead = "a Conv1D, Conv2D, Conv3D or their Transpose"
    kind = "Conv"
    rank: ClassVar[int] = 0
    transposed: ClassVar[bool] = False

    def __init__(self, filters: Any, kernel_size: Any, input_dim: Any = None, *, use_bias: Any = True,
                 groups: Any = 1, name: str | None = None) -> None:
        self.filters = v.positive_int("filters", filters)
        self.kernel_size: tuple[int, ...] = _kernel_size(kernel_size, self.rank)
        self.use_bias = v.flag("use_bias", use_bias)
        self.groups = v.positive_int("groups", groups)
        super().__init__(input_dim, name)
        if self.filters % self.groups:
            raise ValueError(f"groups must divide filters ({self.filters}), got groups={self.groups}")
        if self.input_dim is not None and self.input_dim % self.groups:
            raise ValueError(f"groups must divide input_dim ({self.input_dim}), got groups={self.groups}")

    @property
    def output_dim(self) -> int:
        return self.filters

    def get_config(self) -> dict[str, Any]:
        return {"filters": self.filters, "kernel_size": self.kernel_size, "input_dim": self.input_dim,
                "use_bias": self.use_bias, "groups": self.groups}

    def _k_symbols(self) -> tuple[str, ...]:
        return tuple(f"k{i + 1}" for i in range(self.rank))

    def _channel_symbol(self) -> str:
        return "C" if self.groups == 1 else "c"

    def _symbols(self, m: int) -> dict[str, int]:
        sizes = dict(zip(self._k_symbols(), self.kernel_size, strict=True))
        return {**sizes, self._channel_symbol(): m // self.groups, "F": self.filters}

    def _weights(self, m: int) -> list[Weight]:
        f, k, ks, c = self.filters, self.kernel_size, self._k_symbols(), m // self.groups
        sym = self._channel_symbol()
        if self.transposed:  # Keras stores a transposed convolution's kernel as (k..., F, C)
            stored: tuple[int, ...] = (*k, f, c)
        else:
            stored = (*k, c, f)
        out = [Weight("K", "", "kernel", (*k, c, f), (*ks, sym, "F"), "kernel", stored)]
        if self.use_bias:
            out.append(Weight("b", "", "bias", (f,), ("F",), "bias", (f,)))
        return out


class Conv1D(Conv):
    """Keras ``Conv1D``: kernel (k, C, F), bias (F,).

    >>> Conv1D(128, 3, input_dim=40).params, Conv1D(128, 3, input_dim=40, groups=4).params
    (15488, 3968)
    """

    kind = "Conv1D"
    keras_name = "conv1d"
    rank = 1


class Conv2D(Conv):
    """Keras ``Conv2D``: kernel (k₁, k₂, C, F), bias (F,).

    >>> Conv2D(32, 3, input_dim=1, use_bias=False).formula.expanded
    'k₁k₂CF'
    """

    kind = "Conv2D"
    keras_name = "conv2d"
    rank = 2


class Conv3D(Conv):
    """Keras ``Conv3D``: kernel (k₁, k₂, k₃, C, F), bias (F,).

    >>> Conv3D(8, (3, 3, 3), input_dim=2).params
    440
    """

    kind = "Conv3D"
    keras_name = "conv3d"
    rank = 3


class ConvTranspose(Conv):
    """A transposed convolution: the same weights as a convolution, stored as (k…, F, C)."""

    _instead = "a Conv1DTranspose, Conv2DTranspose or Conv3DTranspose"
    transposed = True


class Conv1DTranspose(ConvTranspose):
    """Keras ``Conv1DTranspose``: kernel (k, F, C), bias (F,).

    >>> Conv1DTranspose(16, 4, input_dim=8).variables
    {'kernel': (4, 16, 8), 'bias': (16,)}
    """

    kind = "Conv1DTranspose"
    keras_name = "conv1d_transpose"
    rank = 1


class Conv2DTranspose(ConvTranspose):
    """Keras ``Conv2DTranspose``: kernel (k₁, k₂, F, C), bias (F,).

    >>> Conv2DTranspose(16, 2, input_dim=8).params
    528
    """

    kind = "Conv2DTranspose"
    keras_name = "conv2d_transpose"
    rank = 2


class Conv3DTranspose(ConvTranspose):
    """Keras ``Conv3DTranspose``: kernel (k₁, k₂, k₃, F, C), bias (F,).

    >>> Conv3DTranspose(4, 2, input_dim=2).params
    68
    """

    kind = "Conv3DTranspose"
    keras_name = "conv3d_transpose"
    rank = 3


class _Norm(_FrontEnd):
    """γ (``scale``) and β (``center``) per feature of the normalized axis (C = ``input_dim``)."""

    _instead = "a BatchNormalization, LayerNormalization or GroupNormalization"

    def __init__(self, input_dim: Any = None, *, center: Any = True, scale: Any = True,
                 name: str | None = None) -> None:
        self.center = v.flag("center", center)
        self.scale = v.flag("scale", scale)
        super().__init__(input_dim, name)

    @property
    def output_dim(self) -> int:
        return self._need_input_dim()

    def get_config(self) -> dict[str, Any]:
        return {"input_dim": self.input_dim, "center": self.center, "scale": self.scale}

    def _symbols(self, m: int) -> dict[str, int]:
        return {"C": m}

    def _weights(self, m: int) -> list[Weight]:
        out = [Weight("γ", "", "scale", (m,), ("C",), "gamma", (m,))] if self.scale else []
        if self.center:
            out.append(Weight("β", "", "shift", (m,), ("C",), "beta", (m,)))
        return out


class BatchNormalization(_Norm):
    """Keras ``BatchNormalization``: γ, β (trainable) and the moving mean μ and variance σ² (not trainable).

    >>> layer = BatchNormalization(input_dim=32)
    >>> layer.params, layer.trainable_params, layer.formula.expanded
    (128, 64, '4C')
    >>> BatchNormalization(input_dim=32, center=False, scale=False).params  # the moving statistics stay
    64
    """

    kind = "BatchNormalization"
    keras_name = "batch_normalization"

    def _weights(self, m: int) -> list[Weight]:
        return [*super()._weights(m), Weight("μ", "", "moving mean", (m,), ("C",), "moving_mean", (m,)),
                Weight("σ²", "", "moving variance", (m,), ("C",), "moving_variance", (m,))]


class LayerNormalization(_Norm):
    """Keras ``LayerNormalization``: γ and β over the normalized features.

    ``input_dim`` is the number of features normalized together (the product of the
    sizes of the normalized axes: the last one by default).

    >>> LayerNormalization(input_dim=512).params
    1024
    """

    kind = "LayerNormalization"
    keras_name = "layer_normalization"


class GroupNormalization(_Norm):
    """Keras ``GroupNormalization``: statistics per group of channels, γ and β per channel.

    >>> GroupNormalization(8, input_dim=64).params
    128
    """

    kind = "GroupNormalization"
    keras_name = "group_normalization"

    def __init__(self, groups: Any, input_dim: Any = None, *, center: Any = True, scale: Any = True,
                 name: str | None = None) -> None:
        self.groups = v.positive_int("groups", groups)
        super().__init__(input_dim, center=center, scale=scale, name=name)
        if self.input_dim is not None and self.input_dim % self.groups:
            raise ValueError(f"groups must divide input_dim ({self.input_dim}), got groups={self.groups}")

    def get_config(self) -> dict[str, Any]:
        return {"groups": self.groups, **super().get_config()}
