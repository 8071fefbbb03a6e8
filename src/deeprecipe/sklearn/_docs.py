"""The parameter and attribute documentation both estimators share."""

SHARED_DOC = """
    Parameters
    ----------
    hidden_layer_sizes : int or tuple of int, default=(100,)
        Units per hidden layer, ``n[1], ..., n[L-1]``; ``()`` gives a linear model.
    activation : {"relu", "leaky_relu", "tanh", "sigmoid", "identity"} or tuple, default="relu"
        Hidden activation, one name or one per hidden layer.
    init : {"he", "xavier", "glorot", "lecun", "random", "zeros"} or None, default=None
        Weight initializer; None picks the course's choice for ``activation`` (He for ReLU,
        Xavier for tanh). Biases start at zero.
    l2 : float, default=1e-4
        The course's L2 strength lambda in

            J = (1/m) sum_i L(yhat_i, y_i) + (lambda / (2m)) sum_l ||W[l]||_F^2

        (biases are not penalized; ``m`` is the number of training examples, also for each
        mini-batch's gradient ``dW += (lambda/m) W``). It is scikit-learn's
        ``MLPClassifier``/``MLPRegressor`` ``alpha`` (same formula, same default): identical in
        full-batch training (``batch_size=None``); with mini-batches scikit-learn divides the
        penalty by the batch size instead of ``m``, so its ``alpha`` then acts ``m/batch_size``
        times stronger (``l2 = alpha * m / batch_size`` mimics it). It is also the PyTorch
        ``weight_decay`` ``lambda/m`` under plain gradient descent, and Keras ``L2(lambda/(2m))``.
    keep_prob : float or tuple of float, default=1.0
        Inverted-dropout keep probability of each hidden layer (1.0: no dropout); never applied
        to the output layer, never at prediction time.
    optimizer : {"adam", "momentum", "gd", "sgd"}, default="adam"
        Update rule over mini-batches; ``gd``/``sgd`` is plain (mini-batch) gradient descent.
    learning_rate : float, default=1e-3
        The step size alpha.
    batch_size : int or None, default=200
        Mini-batch size (capped at the number of samples); None trains full-batch, the course's
        batch gradient descent.
    max_epochs : int, default=200
        Passes over the training set in one ``fit`` (``partial_fit`` runs one).
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training rows (stratified for classes) as a dev
        set, stop when its cost J has not improved for ``patience`` epochs, and restore the
        weights of the best epoch. Ignored by ``partial_fit``.
    validation_fraction : float, default=0.1
        Share of the rows held out when ``early_stopping``.
    patience : int, default=10
        Epochs without dev-cost improvement before early stopping ends training.
    normalize : bool or {"standardize", "minmax"}, default=True
        Normalize inputs with statistics of the training rows only (True: zero mean, unit
        variance, ``x := (x - mu) / sigma``); the same statistics are reused for every
        prediction and saved with the model. ``partial_fit`` fits them on its first batch.
    random_state : int, RandomState, Generator or None, default=None
        Seeds initialization, dropout, shuffling and the dev split; an int makes ``fit``
        bit-for-bit repeatable.
    dtype : {"float32", "float64"}, default="float32"
        Precision of the weights and of training. Predictions are computed and returned in
        float64 (the weights are exact in float64), so they do not depend on batching.
    warm_start : bool, default=False
        If True, ``fit`` continues from the fitted weights (and scaler) instead of starting
        over; ``hidden_layer_sizes`` and ``dtype`` must be unchanged.

    Input: NumPy arrays, pandas DataFrames (column names are recorded in
    ``feature_names_in_`` and checked at prediction time) and SciPy sparse matrices, which are
    DENSIFIED (the network is dense) when they have at most 100 million entries and refused
    with a DeepRecipeError otherwise. Bad input raises :class:`deeprecipe.DeepRecipeError`
    (a ``ValueError``); scikit-learn's own messages are kept inside it.

    Attributes
    ----------
    network_ : deeprecipe.nn.Network
        The trained network (float ``theta`` with ``W1, b1, ...`` views).
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when ``X`` had string column names.
    history_ : deeprecipe.train.History
        Per-epoch ``cost`` (and, with early stopping, ``train_error``, ``dev_cost``,
        ``dev_error``, ``best_epoch``), accumulated over warm starts and ``partial_fit`` calls.
        ``cost`` and ``train_error`` are running means over each epoch's mini-batches, the dev
        figures exact (see :class:`deeprecipe.train.History`).
    loss_curve_ : list of float
        ``history_.cost``: the training cost J per epoch, L2 term included.
    n_iter_ : int
        Epochs trained so far.
"""

