"""Model files: exact round trips, atomic writes, and refusal of anything damaged or foreign."""

from __future__ import annotations

import os
import pickle

import numpy as np
import pytest
from safetensors.numpy import save

from deeprecipe import DeepRecipeError
from deeprecipe.io import content_digest, load_model, model_from_bytes, save_model
from deeprecipe.model import Model
from deeprecipe.nn import Network


class _Scaler:
    """A stand-in with the scaler protocol, so these tests do not depend on the data room."""

    kind = "standardize"

    def __init__(self, mean, scale):
        self.mean_, self.scale_ = mean, scale

    def transform(self, X):
        return (X - self.mean_) / self.scale_

    def state_dict(self):
        return {"mean": self.mean_, "scale": self.scale_}


@pytest.fixture
def network():
    net = Network([4, 6, 3], activation="tanh", loss="softmax_crossentropy", l2=0.1, seed=3)
    net.theta[:] = np.random.default_rng(0).normal(size=net.n_params)
    return net


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_round_trip_gives_identical_predictions(tmp_path, dtype):
    net = Network([5, 7, 2, 1], activation=["relu", "sigmoid"], keep_prob=[0.8, 0.9], dtype=dtype)
    path = save_model(tmp_path / "m.safetensors", net, classes=["no", "yes"], metadata={"a": 1})
    model = load_model(path)
    X = np.random.default_rng(1).normal(size=(9, 5))
    assert model.network.config == net.config
    assert model.network.theta.tobytes() == net.theta.tobytes()
    np.testing.assert_array_equal(model.network.predict_proba(X), net.predict_proba(X))
    assert list(model.predict(X)) == [["no", "yes"][i] for i in net.predict(X)]
    assert model.metadata == {"a": 1}
    # one probability per class, in the order of classes, as scikit-learn gives them
    proba = model.predict_proba(X)
    p = net.predict_proba(X)[:, 0]
    assert proba.shape == (9, 2)
    np.testing.assert_array_equal(proba[:, 1], p)
    np.testing.assert_array_equal(proba[:, 0], 1.0 - p)


def test_model_without_a_scaler_predicts_on_raw_inputs(tmp_path, network):
    model = load_model(save_model(tmp_path / "m", Model(network, classes=[10, 20, 30])))
    X = np.random.default_rng(0).normal(size=(5, 4))
    assert set(model.predict(X)) <= {10, 20, 30}


def test_no_temporary_file_is_left_behind(tmp_path, network):
    save_model(tmp_path / "m", network)
    save_model(tmp_path / "m", network)  # overwrite in place
    assert sorted(os.listdir(tmp_path)) == ["m"]


def test_refuses_a_missing_file(tmp_path):
    with pytest.raises(DeepRecipeError, match="does not exist"):
        load_model(tmp_path / "nothing.safetensors")


def test_refuses_a_pickle(tmp_path, network):
    path = tmp_path / "model.pkl"
    path.write_bytes(pickle.dumps(network))
    with pytest.raises(DeepRecipeError, match="not a deeprecipe model file"):
        load_model(path)


def test_refuses_a_foreign_safetensors_file(tmp_path):
    path = tmp_path / "other.safetensors"
    path.write_bytes(save({"weight": np.ones((2, 2), dtype=np.float32)}))
    with pytest.raises(DeepRecipeError, match="format None"):
        load_model(path)


def test_refuses_shapes_that_do_not_match_the_architecture(network):
    tensors = {name: np.ascontiguousarray(network[name]) for name in network.parameter_names}
    tensors["W2"] = np.zeros((6, 4), dtype=np.float32)
    import json

    metadata = {
        "format": "deeprecipe.model",
        "format_version": "1",
        "network": json.dumps(network.config),
        "scaler": "null",
        "classes": "null",
        "feature_names": "null",
        "extra": "{}",
    }
    metadata["sha256"] = content_digest(metadata, tensors)
    with pytest.raises(DeepRecipeError, match=r"tensor W2 is float32\[6, 4\]"):
        model_from_bytes(save(tensors, metadata=metadata))
    tensors["W2"] = np.zeros((6, 3), dtype=np.float64)
    metadata["sha256"] = content_digest(metadata, tensors)
    with pytest.raises(DeepRecipeError, match="W2 is float64"):
        model_from_bytes(save(tensors, metadata=metadata))


def test_fuzzed_files_load_identically_or_are_refused(tmp_path, network):
    """Flip and truncate bytes a few hundred times: each load gives the identical model or a
    DeepRecipeError, never another exception and never a silently different model."""
    original = save_model(tmp_path / "m", Model(network, scaler=None, classes=["a", "b", "c"]))
    data = original.read_bytes()
    reference = network.theta.tobytes()
    rng = np.random.default_rng(0)
    outcomes = {"identical": 0, "refused": 0}
    for trial in range(300):
        damaged = bytearray(data)
        if trial % 3 == 0:
            damaged = damaged[: int(rng.integers(0, len(data)))]
        else:
            for _ in range(int(rng.integers(1, 4))):
                position = int(rng.integers(0, len(damaged)))
                damaged[position] ^= 1 << int(rng.integers(0, 8))
        try:
            model = model_from_bytes(bytes(damaged))
        except DeepRecipeError:
            outcomes["refused"] += 1
            continue
        # only a flip the parser ignores (JSON whitespace, header padding) may load
        assert model.network.theta.tobytes() == reference
        assert model.network.config == network.config
        assert list(model.classes) == ["a", "b", "c"]
        outcomes["identical"] += 1
    assert outcomes["refused"] > 250, outcomes


def test_a_flipped_weight_bit_is_refused(tmp_path, network):
    path = save_model(tmp_path / "m", network)
    data = bytearray(path.read_bytes())
    data[-5] ^= 0x01  # inside the last tensor's bytes
    with pytest.raises(DeepRecipeError, match="checksum"):
        model_from_bytes(bytes(data))


@pytest.mark.parametrize("keep", [0.5, 0.99, 20])
def test_a_file_cut_short_is_named_as_such(tmp_path, network, keep):
    """Cut inside its header it read 'not a deeprecipe model file (bad header size)', inside
    its tensors 'damaged: its checksum does not match': a copy that did not finish."""
    data = save_model(tmp_path / "m", network).read_bytes()
    cut = data[: int(len(data) * keep) if keep < 1 else keep]
    with pytest.raises(DeepRecipeError, match=r"is cut short \(\d+ bytes where it needs \d+\)"):
        model_from_bytes(cut)


def test_an_imputing_model_names_a_text_cell_of_an_array():
    """A model with an imputer given an array holding text raised a bare ValueError (a
    DataFrame got a DeepRecipeError); an object array of numbers and None is read."""
    net = Network([2, 3, 1], seed=0)
    imputer = {"fill": [0.5, 2.0], "blocks": [["a", "numeric", 0, 1], ["b", "numeric", 1, 2]],
               "indicator": False, "indicators": []}  # fmt: skip
    model = Model(net, metadata={"imputer": imputer})
    with pytest.raises(DeepRecipeError, match=r"holds 'thirty' at row 1, column 0"):
        model.predict(np.array([[1.0, 2.0], ["thirty", 1.0]], dtype=object))
    with pytest.raises(DeepRecipeError, match=r"holds \{'a': 1\}"):
        model.predict({"a": 1})
    gaps = model.predict_proba(np.array([[None, 2.0], [0.5, np.nan]], dtype=object))
    np.testing.assert_array_equal(gaps, model.predict_proba(np.array([[0.5, 2.0]] * 2)))


def test_a_model_predicts_many_rows_in_chunks_with_the_answers_of_one_pass(network):
    from deeprecipe.model import PREDICT_CHUNK_ROWS

    X = np.random.default_rng(1).normal(size=(2 * PREDICT_CHUNK_ROWS + 5, 4))
    model = Model(
        network, scaler=_Scaler(np.full(4, 0.5), np.full(4, 2.0)), classes=["a", "b", "c"]
    )
    whole = network.predict_proba(network.check_inputs((X - 0.5) / 2.0))
    np.testing.assert_allclose(model.predict_proba(X), whole, rtol=1e-6)
    assert model.predict_proba(X).shape == (len(X), 3)
    assert list(model.predict(X[:3])) == [["a", "b", "c"][k] for k in whole[:3].argmax(axis=1)]
    assert len(model.predict(X)) == len(X)


def test_a_frames_row_given_as_a_series_is_predicted_as_that_row():
    """A pandas user's trial: model.predict(df.iloc[0]) read 'X has dtype object and holds
    True at entry 4'; a Series whose index holds the training columns is that one row."""
    pd = pytest.importorskip("pandas")
    net = Network([2, 3, 1], seed=0)
    model = Model(net, feature_names=["a", "b"])
    frame = pd.DataFrame({"b": [1.0, -2.0], "a": [0.5, 3.0], "note": ["x", "y"]})
    np.testing.assert_array_equal(model.predict(frame.iloc[1]), model.predict(frame.iloc[[1]]))
    with pytest.raises(DeepRecipeError, match=r"df\.iloc\[\[i\]\]"):
        model.predict(pd.Series([1.0, 2.0], index=["a", "c"]))  # not the training columns
