"""Augmenters: the contract the trainer relies on, and each transform checked against NumPy."""

from __future__ import annotations

import numpy as np
import pytest

from deeprecipe.data import Compose, GaussianNoise, ImageAugmenter, Standardizer
from deeprecipe.errors import DeepRecipeError


def _images(B=32, h=8, w=8, c=None, seed=0):
    rng = np.random.default_rng(seed)
    shape = (B, h, w) if c is None else (B, h, w, c)
    return rng.random(shape)


AUGMENTERS = [
    ImageAugmenter((8, 8)),
    ImageAugmenter((8, 8), noise_std=0.1, fill="nearest", clip=(0, 1)),
    GaussianNoise(0.3),
    Compose([ImageAugmenter((8, 8), flip=False), GaussianNoise(0.05)]),
]


@pytest.mark.parametrize("aug", AUGMENTERS, ids=repr)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_contract_new_array_same_shape_and_dtype_seeded(aug, dtype):
    X = _images().reshape(32, 64).astype(dtype)
    before = X.copy()
    out = aug(X, np.random.default_rng(1))
    assert out.shape == X.shape and out.dtype == dtype
    assert not np.shares_memory(out, X)
    assert np.array_equal(X, before)  # the batch itself is untouched
    again = aug(X, np.random.default_rng(1))
    assert np.array_equal(out, again)
    assert not np.array_equal(out, aug(X, np.random.default_rng(2)))


def test_everything_off_is_the_identity():
    X = _images().reshape(32, 64)
    aug = ImageAugmenter((8, 8), flip=False, max_shift=0, max_rotation_deg=0)
    assert np.array_equal(aug(X, np.random.default_rng(0)), X)


def test_flip_mirrors_left_right_about_half_the_time():
    imgs = _images(B=400)
    out = ImageAugmenter((8, 8), flip=True, max_shift=0, max_rotation_deg=0)(
        imgs.reshape(400, 64), np.random.default_rng(0)
    ).reshape(imgs.shape)
    same = np.all(out == imgs, axis=(1, 2))
    mirrored = np.all(out == imgs[:, :, ::-1], axis=(1, 2))
    assert np.all(same | mirrored)
    assert 150 < mirrored.sum() < 250


def _shifted(img, dy, dx):
    out = np.zeros_like(img)
    h, w = img.shape[:2]
    out[max(dy, 0) : h + min(dy, 0), max(dx, 0) : w + min(dx, 0)] = img[
        max(-dy, 0) : h + min(-dy, 0), max(-dx, 0) : w + min(-dx, 0)
    ]
    return out


def test_shifts_are_whole_pixels_with_zero_fill():
    imgs = _images(B=100, c=3)
    out = ImageAugmenter((8, 8, 3), flip=False, max_shift=2, max_rotation_deg=0)(
        imgs.reshape(100, -1), np.random.default_rng(0)
    ).reshape(imgs.shape)
    candidates = [(dy, dx) for dy in range(-2, 3) for dx in range(-2, 3)]
    seen = set()
    for img, got in zip(imgs, out, strict=True):
        match = [s for s in candidates if np.array_equal(got, _shifted(img, *s))]
        assert match, "every output is the input shifted by at most 2 pixels"
        seen.update(match)
    assert len(seen) >= 20  # the draws cover the whole range


def test_rotation_by_right_angles_is_rot90_and_flip_composes():
    imgs = _images(B=4, h=7, w=7)
    aug = ImageAugmenter((7, 7), max_rotation_deg=90)
    out = aug.warp(
        imgs.reshape(4, -1),
        flips=np.array([False, False, True, False]),
        shifts=np.zeros((4, 2), dtype=int),
        angles_deg=np.array([90.0, -90.0, 90.0, 180.0]),
    ).reshape(imgs.shape)
    k = 1 if np.allclose(out[0], np.rot90(imgs[0], 1)) else -1
    np.testing.assert_allclose(out[0], np.rot90(imgs[0], k), atol=1e-12)
    np.testing.assert_allclose(out[1], np.rot90(imgs[1], -k), atol=1e-12)
    np.testing.assert_allclose(out[2], np.rot90(imgs[2][:, ::-1], k), atol=1e-12)
    np.testing.assert_allclose(out[3], np.rot90(imgs[3], 2), atol=1e-12)


def test_half_pixel_positions_are_bilinear_averages():
    img = np.arange(16.0).reshape(4, 4)
    aug = ImageAugmenter((4, 4), fill="nearest")
    # 180 degrees about the centre (1.5, 1.5) maps pixel centres onto pixel centres
    out = aug.warp(img.reshape(1, -1), flips=np.array([False]), shifts=np.zeros((1, 2)),
                   angles_deg=np.array([180.0])).reshape(4, 4)  # fmt: skip
    np.testing.assert_allclose(out, img[::-1, ::-1], atol=1e-12)
    out45 = aug.warp(img.reshape(1, -1), flips=np.array([False]), shifts=np.zeros((1, 2)),
                     angles_deg=np.array([45.0])).reshape(4, 4)  # fmt: skip
    assert out45.min() >= img.min() and out45.max() <= img.max()  # convex combinations


def test_small_rotation_keeps_the_centre_and_interpolates():
    img = np.zeros((9, 9))
    img[4, 4] = 1.0
    out = ImageAugmenter((9, 9), flip=False, max_shift=0, max_rotation_deg=10)(
        np.tile(img.ravel(), (20, 1)), np.random.default_rng(0)
    )
    assert np.allclose(out[:, 40], 1.0)  # the centre pixel maps to itself


def test_noise_has_the_requested_spread():
    X = np.zeros((500, 64))
    out = ImageAugmenter((8, 8), flip=False, max_shift=0, max_rotation_deg=0, noise_std=0.2)(
        X, np.random.default_rng(0)
    )
    assert out.std() == pytest.approx(0.2, rel=0.02)
    tab = GaussianNoise(0.5)(np.ones((1000, 10), np.float32), np.random.default_rng(0))
    assert tab.dtype == np.float32 and tab.mean() == pytest.approx(1.0, abs=0.01)
    assert tab.std() == pytest.approx(0.5, rel=0.02)


def test_scaler_option_augments_raw_pixels_of_normalized_batches():
    imgs = _images(B=200).reshape(200, 64)
    sc = Standardizer().fit(imgs)
    Z = sc.transform(imgs)
    kw = {"flip": True, "max_shift": 1, "max_rotation_deg": 0}
    via_scaler = ImageAugmenter((8, 8), scaler=sc, **kw)(Z, np.random.default_rng(3))
    raw = ImageAugmenter((8, 8), **kw)(imgs, np.random.default_rng(3))
    np.testing.assert_allclose(via_scaler, sc.transform(raw), atol=1e-10)


def test_batch_of_64_digits_is_fast():
    import time

    aug = ImageAugmenter((8, 8))
    X = _images(B=64).reshape(64, 64)
    rng = np.random.default_rng(0)
    t = time.perf_counter()
    for _ in range(50):
        aug(X, rng)
    assert (time.perf_counter() - t) / 50 < 0.02  # generous: about 1 ms on a laptop


def test_bad_input_is_named():
    with pytest.raises(DeepRecipeError, match="image_shape"):
        ImageAugmenter((8,))
    with pytest.raises(DeepRecipeError, match="64"):
        ImageAugmenter((8, 8))(np.zeros((3, 63)), np.random.default_rng(0))
    with pytest.raises(DeepRecipeError, match="2-D"):
        ImageAugmenter((8, 8))(np.zeros((3, 8, 8)), np.random.default_rng(0))
    with pytest.raises(DeepRecipeError, match="Generator"):
        GaussianNoise(0.1)(np.zeros((3, 2)), 0)
    with pytest.raises(DeepRecipeError, match="float"):
        GaussianNoise(0.1)(np.zeros((3, 2), dtype=int), np.random.default_rng(0))
    with pytest.raises(DeepRecipeError, match="std"):
        GaussianNoise(-1)
    with pytest.raises(DeepRecipeError, match="fill"):
        ImageAugmenter((8, 8), fill="wrap")
    with pytest.raises(DeepRecipeError, match="max_shift"):
        ImageAugmenter((8, 8), max_shift=1.5)
    with pytest.raises(DeepRecipeError, match="not callable"):
        Compose([GaussianNoise(0.1), "flip"])


def test_zoom_and_subpixel_shifts():
    img = np.zeros((9, 9))
    img[4, 4] = 1.0
    aug = ImageAugmenter((9, 9), max_zoom=0.2)
    out = aug.warp(img.reshape(1, -1), flips=np.array([False]), shifts=np.zeros((1, 2)),
                   angles_deg=np.zeros(1), zooms=np.array([1.2])).reshape(9, 9)  # fmt: skip
    assert out[4, 4] == 1.0  # the centre stays put under a zoom
    half = aug.warp(img.reshape(1, -1), flips=np.array([False]), shifts=np.array([[0.0, 0.5]]),
                    angles_deg=np.zeros(1)).reshape(9, 9)  # fmt: skip
    np.testing.assert_allclose(half[4, 4:6], [0.5, 0.5])  # half a pixel right: split in two
    sub = ImageAugmenter((8, 8), max_shift=0.5, integer_shifts=False, max_rotation_deg=0,
                         flip=False)  # fmt: skip
    X = _images(B=50).reshape(50, 64)
    out = sub(X, np.random.default_rng(0))
    assert out.shape == X.shape and not np.array_equal(out, X)
    with pytest.raises(DeepRecipeError, match="max_zoom"):
        ImageAugmenter((8, 8), max_zoom=1.0)
