"""Data augmentation, applied on the fly to training mini-batches only (course 2, week 1,
"Other regularization methods": flips, shifts, small rotations and distortions of the images
give new training examples almost for free).

An augmenter is a callable ``augmenter(X_batch, rng) -> X_new``: ``X_batch`` is ``(B, n_x)``, rows
of flattened features, and the result is a NEW array of the same shape and dtype. The trainer
(``deeprecipe.train.fit(..., augment=augmenter)``) calls it on each training mini-batch with its
own seeded generator, and never on dev or test data, so the same seed gives the same run.

Image transforms are one affine map per image (flip, rotation about the centre, shift), applied
to the whole batch at once by bilinear sampling: no Python loop over examples.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

import numpy as np

from deeprecipe._validation import check_number
from deeprecipe.errors import DeepRecipeError, DeepRecipeTypeError

__all__ = ["Augmenter", "Compose", "GaussianNoise", "ImageAugmenter"]


class Augmenter(Protocol):
    """What the trainer calls on each training mini-batch."""

    def __call__(self, X_batch: np.ndarray, rng: np.random.Generator) -> np.ndarray: ...


def _check_batch(name: str, X: Any, n_features: int | None = None) -> np.ndarray:
    if not isinstance(X, np.ndarray):
        X = np.asarray(X)
    if X.ndim != 2:
        raise DeepRecipeError(
            f"{name} got a batch of shape {X.shape}; accepted: a 2-D array (batch, features)"
        )
    if X.dtype.kind != "f":
        raise DeepRecipeTypeError(f"{name} got dtype {X.dtype}; accepted: a float array")
    if n_features is not None and X.shape[1] != n_features:
        raise DeepRecipeError(
            f"{name} got {X.shape[1]} features per row; accepted: {n_features} "
            "(the flattened image shape it was made for)"
        )
    return X


def _check_rng(name: str, rng: Any) -> np.random.Generator:
    if not isinstance(rng, np.random.Generator):
        raise DeepRecipeTypeError(
            f"{name} needs rng to be a numpy.random.Generator, got {type(rng).__name__}"
        )
    return rng


class GaussianNoise:
    """Add ``N(0, std^2)`` noise to every feature: augmentation for tabular data.

    The noise is in the units the network sees: after a :class:`Standardizer` it is a fraction
    of each feature's training standard deviation.
    """

    def __init__(self, std: float = 0.1) -> None:
        self.std = check_number("std", std, low=0.0)

    def __call__(self, X_batch: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        X = _check_batch("GaussianNoise", X_batch)
        rng = _check_rng("GaussianNoise", rng)
        if self.std == 0.0:
            return X.copy()
        noise = rng.standard_normal(X.shape, dtype=np.float64) * self.std
        return (X + noise).astype(X.dtype, copy=False)

    def __repr__(self) -> str:
        return f"GaussianNoise(std={self.std})"


class Compose:
    """Apply several augmenters in turn, with the same generator."""

    def __init__(self, augmenters: Sequence[Callable[[np.ndarray, np.random.Generator], Any]]):
        augmenters = list(augmenters)
        for i, a in enumerate(augmenters):
            if not callable(a):
                raise DeepRecipeTypeError(
                    f"Compose item {i} ({a!r}) is not callable; accepted: augmenters "
                    "f(X_batch, rng) -> array"
                )
        self.augmenters = augmenters

    def __call__(self, X_batch: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        X = np.array(X_batch, copy=True)
        for a in self.augmenters:
            X = a(X, rng)
        return X

    def __repr__(self) -> str:
        return f"Compose({self.augmenters!r})"


class ImageAugmenter:
    """Random horizontal flips, shifts, small rotations and pixel noise for flattened images.

    Parameters
    ----------
    image_shape:
        ``(height, width)`` or ``(height, width, channels)``; each row of the batch is one image
        flattened in C order (channels last), as :func:`deeprecipe.data.load_npz` and the
        ``digits`` dataset store them.
    flip:
        Mirror left-right with probability 1/2. Only for classes that survive a mirror (a cat
        is still a cat; a handwritten 2 is not a 2): turn it off for digits and letters.
    max_shift:
        Shift by up to ``max_shift`` pixels along each axis: a whole number of pixels drawn
        uniformly from ``-max_shift..max_shift``, or, with ``integer_shifts=False``, any
        distance in ``[-max_shift, max_shift]`` (bilinear; suits tiny images such as 8x8
        digits, where one whole pixel is 12% of the width).
    max_rotation_deg:
        Rotate about the image centre by an angle drawn uniformly in ``[-max, max]`` degrees
        (bilinear interpolation).
    max_zoom:
        Scale about the centre by a factor drawn uniformly in ``[1 - max_zoom, 1 + max_zoom]``
        (a small distortion; 0 turns it off).
    noise_std:
        Standard deviation of Gaussian noise added to every pixel afterwards.
    fill:
        ``"constant"`` (pixels that come from outside the image take ``cval``, the background
        of raw images scaled to [0, 1]) or ``"nearest"`` (repeat the edge).
    clip:
        ``(low, high)`` to clip the result to, e.g. ``(0, 1)`` for raw pixels; ``None`` for none.
    scaler:
        A fitted scaler (:class:`Standardizer` or :class:`MinMaxScaler`) when the batches are
        normalized pixels: the batch is mapped back to raw pixels, augmented, and normalized
        again, so geometry moves pixel values, not per-pixel z-scores.
    """

    def __init__(
        self,
        image_shape: Sequence[int],
        flip: bool = True,
        max_shift: int = 2,
        max_rotation_deg: float = 10.0,
        noise_std: float = 0.0,
        *,
        fill: str = "constant",
        cval: float = 0.0,
        clip: tuple[float, float] | None = None,
        scaler: Any = None,
        integer_shifts: bool = True,
        max_zoom: float = 0.0,
    ) -> None:
        shape = tuple(image_shape) if isinstance(image_shape, (tuple, list)) else None
        if (
            shape is None
            or len(shape) not in (2, 3)
            or not all(isinstance(s, (int, np.integer)) and s >= 1 for s in shape)
        ):
            raise DeepRecipeError(
                f"image_shape={image_shape!r} is not accepted; accepted: (height, width) or "
                "(height, width, channels) of positive integers"
            )
        self.image_shape = tuple(int(s) for s in shape)
        self.flip = bool(flip)
        self.integer_shifts = bool(integer_shifts)
        self.max_shift = check_number("max_shift", max_shift, low=0, integer=self.integer_shifts)
        self.max_rotation_deg = check_number("max_rotation_deg", max_rotation_deg, low=0, high=180)
        self.noise_std = check_number("noise_std", noise_std, low=0.0)
        self.max_zoom = check_number("max_zoom", max_zoom, low=0.0, high=1.0, high_inclusive=False)
        if fill not in ("constant", "nearest"):
            raise DeepRecipeError(f"fill={fill!r} is not known; accepted: constant, nearest")
        self.fill = fill
        self.cval = check_number("cval", cval)
        if clip is not None and not (len(clip) == 2 and clip[0] < clip[1]):
            raise DeepRecipeError(f"clip={clip!r} is not accepted; accepted: (low, high) or None")
        self.clip = clip
        if scaler is not None and not (
            hasattr(scaler, "transform") and hasattr(scaler, "inverse_transform")
        ):
            raise DeepRecipeTypeError(
                f"scaler={scaler!r} is not accepted; accepted: a fitted Standardizer or "
                "MinMaxScaler, or None"
            )
        self.scaler = scaler
        self.n_features = int(np.prod(self.image_shape))

    def __repr__(self) -> str:
        return (
            f"ImageAugmenter(image_shape={self.image_shape}, flip={self.flip}, "
            f"max_shift={self.max_shift}, max_rotation_deg={self.max_rotation_deg}, "
            f"max_zoom={self.max_zoom}, noise_std={self.noise_std})"
        )

    def __call__(self, X_batch: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        X = _check_batch("ImageAugmenter", X_batch, self.n_features)
        rng = _check_rng("ImageAugmenter", rng)
        B = X.shape[0]
        # One draw per image, always in the same order, so a seed fixes the whole batch.
        flips = rng.random(B) < 0.5 if self.flip else np.zeros(B, dtype=bool)
        if self.integer_shifts:
            shifts = rng.integers(-self.max_shift, self.max_shift + 1, size=(B, 2))
        else:
            shifts = rng.uniform(-self.max_shift, self.max_shift, size=(B, 2))
        angles = rng.uniform(-self.max_rotation_deg, self.max_rotation_deg, size=B)
        zooms = rng.uniform(1 - self.max_zoom, 1 + self.max_zoom, size=B)
        noise = rng.standard_normal((B, self.n_features)) if self.noise_std > 0 else None
        return self.warp(X, flips=flips, shifts=shifts, angles_deg=angles, zooms=zooms, noise=noise)

    def warp(
        self,
        X_batch: np.ndarray,
        *,
        flips: np.ndarray,
        shifts: np.ndarray,
        angles_deg: np.ndarray,
        zooms: np.ndarray | None = None,
        noise: np.ndarray | None = None,
    ) -> np.ndarray:
        """The deterministic part: mirror the images where ``flips`` (B,) is true, rotate by
        ``angles_deg`` (B,) and scale by ``zooms`` (B,) about the centre, shift by ``shifts``
        (B, 2) = (down, right) pixels (fractions allowed), then add ``noise_std * noise``
        (B, n_x) if given."""
        X = _check_batch("ImageAugmenter", X_batch, self.n_features)
        dtype = X.dtype
        B = X.shape[0]
        raw = X if self.scaler is None else self.scaler.inverse_transform(X)
        h, w = self.image_shape[:2]
        c = self.image_shape[2] if len(self.image_shape) == 3 else 1
        images = np.asarray(raw, dtype=np.float64).reshape(B, h * w, c)
        flips = np.asarray(flips, dtype=bool).reshape(B)
        shifts = np.asarray(shifts).reshape(B, 2)
        angles = np.deg2rad(np.asarray(angles_deg, dtype=np.float64).reshape(B))

        # Inverse map, output pixel -> source pixel: undo the shift, rotate back and unzoom
        # about the centre, then mirror (a mirror is its own inverse).
        cy, cx = (h - 1) / 2.0, (w - 1) / 2.0
        yy, xx = np.meshgrid(
            np.arange(h, dtype=np.float64), np.arange(w, dtype=np.float64), indexing="ij"
        )
        dy = yy[None] - shifts[:, 0, None, None] - cy
        dx = xx[None] - shifts[:, 1, None, None] - cx
        zoom = np.ones(B) if zooms is None else np.asarray(zooms, dtype=np.float64).reshape(B)
        cos = (np.cos(angles) / zoom)[:, None, None]
        sin = (np.sin(angles) / zoom)[:, None, None]
        src_y = cos * dy - sin * dx + cy
        src_x = sin * dy + cos * dx + cx
        src_x = np.where(flips[:, None, None], (w - 1) - src_x, src_x)
        # Right angles give integer coordinates up to rounding: snap them to be exact.
        src_y = np.where(np.abs(src_y - np.round(src_y)) < 1e-9, np.round(src_y), src_y)
        src_x = np.where(np.abs(src_x - np.round(src_x)) < 1e-9, np.round(src_x), src_x)

        out = self._bilinear(images, src_y.reshape(B, -1), src_x.reshape(B, -1), h, w)
        out = out.reshape(B, self.n_features)
        if noise is not None:
            out = out + np.asarray(noise, dtype=np.float64).reshape(B, -1) * self.noise_std
        if self.clip is not None:
            out = np.clip(out, self.clip[0], self.clip[1])
        if self.scaler is not None:
            out = self.scaler.transform(out)
        return np.asarray(out, dtype=dtype)

    def _bilinear(self, images, src_y, src_x, h, w):
        """Sample ``images`` (B, h*w, c) at fractional (y, x) positions (B, P)."""
        if self.fill == "nearest":
            src_y = np.clip(src_y, 0, h - 1)
            src_x = np.clip(src_x, 0, w - 1)
        y0 = np.floor(src_y)
        x0 = np.floor(src_x)
        wy = (src_y - y0)[..., None]
        wx = (src_x - x0)[..., None]
        y0 = y0.astype(np.int64)
        x0 = x0.astype(np.int64)
        out = np.zeros(images.shape[:1] + src_y.shape[1:] + images.shape[2:])
        for oy, ox, weight in (
            (0, 0, (1 - wy) * (1 - wx)),
            (0, 1, (1 - wy) * wx),
            (1, 0, wy * (1 - wx)),
            (1, 1, wy * wx),
        ):
            yi, xi = y0 + oy, x0 + ox
            inside = (yi >= 0) & (yi < h) & (xi >= 0) & (xi < w)
            flat = np.clip(yi, 0, h - 1) * w + np.clip(xi, 0, w - 1)
            values = np.take_along_axis(images, flat[..., None], axis=1)
            values = np.where(inside[..., None], values, self.cval)
            out += weight * values
        return out
