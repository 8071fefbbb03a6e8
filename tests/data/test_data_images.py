"""Arrays of images (m, h, w[, c]) go in as they are, in Python as from an .npz file."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from deeprecipe import Recipe
from deeprecipe.cli import cli
from deeprecipe.data import load_npz
from deeprecipe.errors import DeepRecipeError


@pytest.fixture(scope="module")
def digits():
    from sklearn.datasets import load_digits

    d = load_digits()
    return d.images.astype(np.uint8)[:400], d.target[:400]


def test_recipe_and_model_take_image_arrays_and_name_a_wrong_shape(digits):
    """A new user's trial: Recipe.run on load_digits().images stopped at 'accepted: a 2-D
    array' without a word on flattening or image_shape."""
    images, y = digits
    result = Recipe(max_trainings=1, epochs=3, progress=False).run(images, y)
    assert result.data["image_shape"] == [8, 8]
    model = result.model
    assert model.metadata["image_shape"] == [8, 8]
    flat = images[:7].reshape(7, 64)
    np.testing.assert_array_equal(model.predict(images[:7]), model.predict(flat))
    with pytest.raises(DeepRecipeError, match=r"images of shape \(8, 9\); accepted: images of sh"):
        model.predict(np.zeros((2, 8, 9)))
    with pytest.raises(DeepRecipeError, match=r"images of shape \(8, 8\); accepted: .*\(4, 16\)"):
        Recipe(max_trainings=1, epochs=1, progress=False).run(images, y, image_shape=(4, 16))


def test_channels_first_images_are_refused_with_the_axis_to_move(tmp_path):
    path = tmp_path / "chw.npz"
    np.savez(path, X=np.zeros((6, 3, 16, 16), np.uint8), y=np.arange(6) % 2)
    with pytest.raises(DeepRecipeError, match=r"channels first.*np\.moveaxis\(X, 1, -1\)"):
        load_npz(path)
    np.savez(path, X=np.zeros((6, 16, 16, 3), np.uint8), y=np.arange(6) % 2)
    assert load_npz(path).image_shape == (16, 16, 3)


def test_predict_names_images_of_another_shape_in_two_shapes_not_every_pixel(digits, tmp_path):
    """A new user's trial: 32x32 crops given to a 64x64 model printed 12,288 feature names."""
    images, y = digits
    train = tmp_path / "digits.npz"
    np.savez(train, X=images, y=y)
    out = tmp_path / "m"
    runner = CliRunner()
    trained = runner.invoke(
        cli, ["train", "--data", str(train), "--epochs", "2", "--out", str(out)]
    )
    assert trained.exit_code == 0, trained.stderr
    as_floats = tmp_path / "floats.npz"  # the same pixels as floats 0-255: the same answers
    np.savez(as_floats, X=images[:20].astype(np.float32))
    small = tmp_path / "small.npz"
    np.savez(small, X=images[:20, :4, :4])
    model = str(out / "model.safetensors")
    same = [runner.invoke(cli, ["predict", "--model", model, "--data", str(p), "--json"])
            for p in (train, as_floats)]  # fmt: skip
    assert same[0].exit_code == same[1].exit_code == 0
    predictions = [json.loads(r.stdout)["predictions"] for r in same]
    assert predictions[0][:20] == predictions[1]
    wrong = runner.invoke(cli, ["predict", "--model", model, "--data", str(small)])
    assert wrong.exit_code == 2 and len(wrong.stderr) < 300
    assert "images of shape (4, 4); accepted: images of shape (8, 8)" in wrong.stderr


def test_the_course_layout_is_named_with_the_transpose_it_needs(tmp_path):
    """A new user's trial: the course's X (12288, 209) and y (1, 209) blamed y alone."""
    from deeprecipe import split

    X = np.zeros((12, 5))
    with pytest.raises(DeepRecipeError, match=r"one row of labels, .*: pass y\.ravel\(\)\)"):
        Recipe().run(X, np.zeros((1, 12)))
    with pytest.raises(DeepRecipeError, match=r"one column per example, .*X\.T and y\.ravel"):
        Recipe().run(X, np.zeros((1, 5)))
    with pytest.raises(DeepRecipeError, match=r"one column per example, .*: pass X\.T\)"):
        split(X, np.zeros(5))
    from deeprecipe import Network, fit

    course_X, course_y = np.zeros((2, 30)), np.zeros((1, 30))  # the assignment's arrays
    with pytest.raises(DeepRecipeError, match=r"accepts 2 \(X holds one column per example"):
        fit(Network([2, 3, 1]), course_X, course_y.ravel(), epochs=1)
    with pytest.raises(DeepRecipeError, match=r"\(y is one row of labels, .*y\.ravel\(\)\)"):
        fit(Network([2, 3, 1]), course_X.T, course_y, epochs=1)
    path = tmp_path / "course.npz"
    np.savez(path, X=np.zeros((30, 8)), y=np.zeros((1, 8)))
    with pytest.raises(DeepRecipeError, match=r"X holds one column per example"):
        load_npz(path)


def test_run_says_it_reads_images_and_flips_only_images(digits, tmp_path):
    images, y = digits
    path = tmp_path / "digits.npz"
    np.savez(path, X=images[:120], y=y[:120])
    runner = CliRunner()
    ran = runner.invoke(cli, ["run", "--data", str(path), "--budget", "1", "--epochs", "2",
                              "--image-flip", "--out", str(tmp_path / "r")])  # fmt: skip
    assert ran.exit_code == 0, ran.stderr
    said = " ".join((ran.stdout + ran.stderr).split())
    assert "rows read as 8x8 images: the variance steps may augment them" in said
    assert "zoom, flips)" in said
    table = runner.invoke(cli, ["run", "--dataset", "football", "--image-flip", "--budget", "1"])
    assert table.exit_code == 2 and "--image-flip mirrors images" in table.stderr


def test_one_image_without_its_batch_axis_is_named():
    from deeprecipe.data.parts import flat_images

    with pytest.raises(DeepRecipeError, match=r"one image of shape \(6, 6, 3\): X\[None\]"):
        flat_images("X", np.zeros((6, 6, 3)), (6, 6, 3))
    with pytest.raises(DeepRecipeError, match=r"channels first: np\.moveaxis"):
        flat_images("X", np.zeros((2, 3, 6, 6)), (6, 6, 3))
    assert flat_images("X", np.zeros((2, 6, 6, 3)), (6, 6, 3))[0].shape == (2, 108)
