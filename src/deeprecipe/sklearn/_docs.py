"""The parameter and attribute documentation both estimators share."""

SHARED_DOC = """
    The parameters and fitted attributes are scikit-learn's ``MLPClassifier``/``MLPRegressor``
    ones (code written for them runs with the class name swapped, except ``solver="lbfgs"``,
    refused, and ``fit(sample_weight=...)``, not taken), plus the course's own
    (``init``, ``keep_prob``, ``normalize``, ``dtype``). deeprecipe's earlier names stay as
    aliases of one setting each: ``l2`` = ``alpha``, ``optimizer`` = ``solver``, ``max_epochs``
    = ``max_iter``, ``patience`` = ``n_iter_no_change``, and ``learning_rate`` given as a
    NUMBER = ``learning_rate_init`` (given as a string it is scikit-learn's schedule). An alias
    left at None defers; set, it wins over a scikit-learn name left at its default; both set to
    different values raise a DeepRecipeError naming both.

    Parameters
    ----------
    hidden_layer_sizes : int or tuple of int, default=(100,)
        Units per hidden layer, ``n[1], ..., n[L-1]``; ``()`` gives a linear model.
    activation : {"relu", "leaky_relu", "tanh", "sigmoid", "identity"} or tuple, default="relu"
        Hidden activation, one name or one per hidden layer (scikit-learn's name
        "logistic" is accepted for "sigmoid").
    solver : {"adam", "momentum", "gd", "sgd"}, default="adam"
        Update rule over mini-batches. ``"gd"``/``"sgd"`` is plain (mini-batch) gradient
        descent, the course's; scikit-learn's "sgd" adds Nesterov momentum 0.9, whose closest
        counterpart here is ``"momentum"`` (the course's ``v = beta v + (1 - beta) dW``,
        ``beta = momentum``). "lbfgs" is refused.
    alpha : float, default=1e-4
        The course's L2 strength lambda in

            J = (1/m) sum_i L(yhat_i, y_i) + (lambda / (2m)) sum_l ||W[l]||_F^2

        (biases are not penalized; ``m`` is the number of training examples, also for each
        mini-batch's gradient ``dW += (lambda/m) W``). scikit-learn's MLP adds
        ``(alpha/2) sum ||W||^2 / n`` with ``n`` the rows of the current BATCH: the same in
        full-batch training (``batch_size=None`` or >= the samples; tested against its
        loss_curve_), ``m / batch_size`` times stronger there with mini-batches
        (``alpha = alpha_sklearn * m / batch_size`` mimics it). It is also PyTorch's
        ``weight_decay = lambda/m`` under plain gradient descent, and Keras' ``L2(lambda/(2m))``.
        Alias: ``l2``.
    batch_size : int, "auto" or None, default="auto"
        Mini-batch size (capped at the number of samples); "auto" is 200, as in scikit-learn;
        None trains full-batch, the course's batch gradient descent.
    learning_rate : {"constant", "invscaling", "adaptive"} or float, default="constant"
        scikit-learn's schedule of the step size, used by the gradient-descent solvers ("gd",
        "sgd", "momentum"; Adam ignores it, as in scikit-learn): "invscaling" sets the step to
        ``learning_rate_init / (t + 1) ** power_t`` after each epoch (``t`` samples seen),
        "adaptive" divides it by 5 each time the tol rule below would stop, and stops once it
        is at most 1e-6. A NUMBER is deeprecipe's earlier name for ``learning_rate_init``.
    learning_rate_init : float, default=1e-3
        The step size alpha of the course's updates.
    power_t : float, default=0.5
        Exponent of the "invscaling" schedule.
    max_iter : int, default=200
        Epochs (passes over the training set) in one ``fit``; ``partial_fit`` runs one.
        Alias: ``max_epochs``.
    shuffle : bool, default=True
        Reshuffle the rows into new mini-batches every epoch (from ``random_state``).
    random_state : int, RandomState, Generator or None, default=None
        Seeds initialization, dropout, shuffling and the dev split; an int makes ``fit``
        bit-for-bit repeatable.
    tol : float, default=1e-4
        Without early stopping, training stops once the epoch cost J has failed
        ``n_iter_no_change`` times in a row to fall more than ``tol`` below the best cost so far
        (scikit-learn waits one epoch more); with early stopping, the dev cost must fall by more
        than ``tol``. When ``fit`` runs all ``max_iter`` epochs with neither rule stopping it
        (the cost was still falling), a ``sklearn.exceptions.ConvergenceWarning`` says so, as
        scikit-learn's MLP does; ``partial_fit`` never warns.
    verbose : bool, default=False
        Print scikit-learn's ``Iteration N, loss = J`` line after each epoch.
    warm_start : bool, default=False
        If True, ``fit`` continues from the fitted weights (and scalers) instead of starting
        over; ``hidden_layer_sizes`` and ``dtype`` must be unchanged.
    momentum : float, default=0.9
        ``beta`` of ``solver="momentum"``.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training rows (stratified for classes) as a dev
        set, stop when its cost J has not fallen by more than ``tol`` for ``n_iter_no_change``
        epochs, and restore the weights of the best epoch. scikit-learn watches the dev SCORE
        instead; the score of each epoch is recorded all the same (``validation_scores_``).
        Ignored by ``partial_fit``.
    validation_fraction : float, default=0.1
        Share of the rows held out when ``early_stopping``.
    beta_1, beta_2, epsilon : float, default=0.9, 0.999, 1e-8
        Adam's constants.
    n_iter_no_change : int, default=10
        Epochs without improvement (see ``tol``) before training stops. Alias: ``patience``.
    init : {"he", "xavier", "glorot", "lecun", "random", "zeros"} or None, default=None
        Weight initializer; None picks the course's choice for ``activation`` (He for ReLU,
        Xavier for tanh). Biases start at zero.
    keep_prob : float or tuple of float, default=1.0
        Inverted-dropout keep probability of each hidden layer (1.0: no dropout); never applied
        to the output layer, never at prediction time.
    normalize : bool or {"standardize", "minmax"}, default=True
        Normalize inputs with statistics of the training rows only (True: zero mean, unit
        variance, ``x := (x - mu) / sigma``); the same statistics are reused for every
        prediction and saved with the model. ``partial_fit`` fits them on its first batch.
    dtype : {"float32", "float64"}, default="float32"
        Precision of the weights and of training. Predictions are computed and returned in
        float64 (the weights are exact in float64), so they do not depend on batching.
    l2, optimizer, max_epochs, patience : default=None
        deeprecipe's earlier names of ``alpha``, ``solver``, ``max_iter``, ``n_iter_no_change``.
    device : str, torch.device or None, default=None
        Where the network trains: ``"cpu"``, ``"cuda"``, ``"cuda:1"``, ... (skorch's
        ``device``); ``"cuda"`` alone picks PyTorch when installed, else CuPy. Predictions
        come back as NumPy arrays whatever the device. Changed before ``partial_fit`` or a
        warm-started ``fit``, it moves the fitted network (and the optimizer's moments).
    backend : {"numpy", "torch", "cupy", "array_api_strict"} or None, default=None
        The array library (see :mod:`deeprecipe.nn.backends`); None: NumPy, or for a GPU
        ``device`` PyTorch, else CuPy. Every backend follows NumPy's trajectory to rounding.
    n_threads : int or None, default=None
        Threads for training and prediction (scikit-learn's ``n_jobs``; -1: every core): the
        matrix products (BLAS, or PyTorch's own threads; NumPy's element-wise work runs in the
        calling thread). None: ``DEEPRECIPE_NUM_THREADS``, else the BLAS thread count in effect.
        On NumPy any count gives the same bits.

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
    coefs_, intercepts_ : list of ndarray
        ``W[l]`` of shape (n[l-1], n[l]) and ``b[l]`` of shape (n[l],), float64 copies in the
        data's own units: the input normalization is folded into the first layer (and, for the
        regressor, the target scale into the last), so scikit-learn's forward pass with
        ``activation`` and ``out_activation_`` on them gives ``predict_proba``/``predict``.
    loss_curve_ : list of float
        ``history_.cost``: the training cost J per epoch, L2 term included.
    loss_ : float
        The last epoch's cost, ``loss_curve_[-1]``.
    best_loss_ : float or None
        The lowest ``loss_curve_`` entry; None with early stopping, as in scikit-learn.
    validation_scores_ : list of float or None
        With early stopping, ``score`` (accuracy, or R^2) on the held-out rows after each epoch
        of the last ``fit``; None otherwise.
    best_validation_score_ : float or None
        With early stopping, the validation score of the epoch whose weights were kept (the
        lowest dev cost); None otherwise.
    n_iter_ : int
        Epochs of the last ``fit`` (a warm start counts afresh, as in scikit-learn; the whole
        run is ``len(loss_curve_)``); after ``partial_fit`` calls, one per call.
    t_ : int
        Training samples seen by the solver: epochs times training rows.
    n_layers_, n_outputs_ : int
        Layers counted with the input and output layers; output units.
    out_activation_ : {"logistic", "softmax", "identity"}
        The output activation, in scikit-learn's names.
"""
