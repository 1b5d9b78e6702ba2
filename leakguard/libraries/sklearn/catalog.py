"""scikit-learn: splitters, estimators, transformers, pipelines, cross-validation, searches and metrics.

Classes are listed by module and role; each gets entries for the methods its role
uses, and an entry whose method a class does not have (or inherits from a base that is
already wrapped) is simply skipped when resolved. Roles:

- ``model``: learns to predict (its fit is where training rows matter);
- ``transformer``: learns statistics of its input rows (scalers, imputers, encoders...);
- ``stateless``: a transformer whose fit learns nothing from the rows;
- ``target-encoder``: a transformer whose state encodes the target;
- ``search``: tries candidates on folds of its data and keeps the best;
- ``auto``: a pipeline or a composite, a model when it can predict.
"""

from __future__ import annotations

from leakguard.libraries.api import Api, Kind

_MODELS: dict[str, tuple[str, ...]] = {
    "sklearn.linear_model": (
        "ARDRegression", "BayesianRidge", "ElasticNet", "ElasticNetCV", "GammaRegressor", "HuberRegressor",
        "Lars", "LarsCV", "Lasso", "LassoCV", "LassoLars", "LassoLarsCV", "LassoLarsIC", "LinearRegression",
        "LogisticRegression", "LogisticRegressionCV", "MultiTaskElasticNet", "MultiTaskElasticNetCV",
        "MultiTaskLasso", "MultiTaskLassoCV", "OrthogonalMatchingPursuit", "OrthogonalMatchingPursuitCV",
        "PassiveAggressiveClassifier", "PassiveAggressiveRegressor", "Perceptron", "PoissonRegressor",
        "QuantileRegressor", "RANSACRegressor", "Ridge", "RidgeCV", "RidgeClassifier", "RidgeClassifierCV",
        "SGDClassifier", "SGDOneClassSVM", "SGDRegressor", "TheilSenRegressor", "TweedieRegressor",
    ),
    "sklearn.ensemble": (
        "AdaBoostClassifier", "AdaBoostRegressor", "BaggingClassifier", "BaggingRegressor", "ExtraTreesClassifier",
        "ExtraTreesRegressor", "GradientBoostingClassifier", "GradientBoostingRegressor", "IsolationForest",
        "RandomForestClassifier", "RandomForestRegressor", "StackingClassifier", "StackingRegressor",
        "VotingClassifier", "VotingRegressor",
    ),
    "sklearn.tree": ("DecisionTreeClassifier", "DecisionTreeRegressor", "ExtraTreeClassifier", "ExtraTreeRegressor"),
    "sklearn.svm": ("LinearSVC", "LinearSVR", "NuSVC", "NuSVR", "OneClassSVM", "SVC", "SVR"),
    "sklearn.neighbors": (
        "KNeighborsClassifier", "KNeighborsRegressor", "LocalOutlierFactor", "NearestCentroid",
        "RadiusNeighborsClassifier", "RadiusNeighborsRegressor",
    ),
    "sklearn.naive_bayes": ("BernoulliNB", "CategoricalNB", "ComplementNB", "GaussianNB", "MultinomialNB"),
    "sklearn.neural_network": ("MLPClassifier", "MLPRegressor"),
    "sklearn.discriminant_analysis": ("LinearDiscriminantAnalysis", "QuadraticDiscriminantAnalysis"),
    "sklearn.gaussian_process": ("GaussianProcessClassifier", "GaussianProcessRegressor"),
    "sklearn.kernel_ridge": ("KernelRidge",),
    "sklearn.dummy": ("DummyClassifier", "DummyRegressor"),
    "sklearn.calibration": ("CalibratedClassifierCV",),
    "sklearn.isotonic": ("IsotonicRegression",),
    "sklearn.cross_decomposition": ("CCA", "PLSCanonical", "PLSRegression"),
    "sklearn.compose": ("TransformedTargetRegressor",),
    "sklearn.multiclass": ("OneVsOneClassifier", "OneVsRestClassifier", "OutputCodeClassifier"),
    "sklearn.multioutput": ("ClassifierChain", "MultiOutputClassifier", "MultiOutputRegressor", "RegressorChain"),
    "sklearn.semi_supervised": ("LabelPropagation", "LabelSpreading", "SelfTrainingClassifier"),
    "sklearn.covariance": ("EllipticEnvelope",),
    "sklearn.mixture": ("BayesianGaussianMixture", "GaussianMixture"),
    "sklearn.model_selection": ("FixedThresholdClassifier",),
}

# transformers of one column that give back its values coded (``y = LabelEncoder().fit_transform(df["species"])``):
# the result is still that column, so a label coded so keeps its name (both engines)
LABEL_CODERS = ("LabelEncoder",)

_TRANSFORMERS: dict[str, tuple[str, ...]] = {
    "sklearn.preprocessing": (
        "KBinsDiscretizer", "KernelCenterer", "LabelBinarizer", "LabelEncoder", "MaxAbsScaler", "MinMaxScaler",
        "MultiLabelBinarizer", "OneHotEncoder", "OrdinalEncoder", "PowerTransformer", "QuantileTransformer",
        "RobustScaler", "SplineTransformer", "StandardScaler",
    ),
    "sklearn.impute": ("KNNImputer", "MissingIndicator", "SimpleImputer"),
    "sklearn.decomposition": (
        "DictionaryLearning", "FactorAnalysis", "FastICA", "IncrementalPCA", "KernelPCA",
        "LatentDirichletAllocation", "MiniBatchDictionaryLearning", "MiniBatchNMF", "MiniBatchSparsePCA", "NMF",
        "PCA", "SparsePCA", "TruncatedSVD",
    ),
    "sklearn.feature_selection": (
        "GenericUnivariateSelect", "RFE", "RFECV", "SelectFdr", "SelectFpr", "SelectFromModel", "SelectFwe",
        "SelectKBest", "SelectPercentile", "SequentialFeatureSelector", "VarianceThreshold",
    ),
    "sklearn.feature_extraction": ("DictVectorizer",),
    "sklearn.feature_extraction.text": ("CountVectorizer", "TfidfTransformer", "TfidfVectorizer"),
    "sklearn.cluster": ("Birch", "BisectingKMeans", "FeatureAgglomeration", "KMeans", "MiniBatchKMeans"),
    "sklearn.cross_decomposition": ("PLSSVD",),
    "sklearn.manifold": ("Isomap", "LocallyLinearEmbedding"),
    "sklearn.neighbors": ("KNeighborsTransformer", "NeighborhoodComponentsAnalysis", "RadiusNeighborsTransformer"),
    "sklearn.neural_network": ("BernoulliRBM",),
    "sklearn.kernel_approximation": ("Nystroem",),
    "sklearn.ensemble": ("RandomTreesEmbedding",),
}

_STATELESS: dict[str, tuple[str, ...]] = {
    "sklearn.preprocessing": ("Binarizer", "FunctionTransformer", "Normalizer", "PolynomialFeatures"),
    "sklearn.feature_extraction": ("FeatureHasher",),
    "sklearn.feature_extraction.text": ("HashingVectorizer",),
    "sklearn.kernel_approximation": ("AdditiveChi2Sampler", "PolynomialCountSketch", "RBFSampler",
                                     "SkewedChi2Sampler"),
    "sklearn.random_projection": ("GaussianRandomProjection", "SparseRandomProjection"),
}

_SEARCHES: dict[str, tuple[str, ...]] = {
    "sklearn.model_selection": ("GridSearchCV", "RandomizedSearchCV", "TunedThresholdClassifierCV"),
}

_COMPOSITES: dict[str, tuple[str, ...]] = {
    "sklearn.pipeline": ("Pipeline", "FeatureUnion"),
    "sklearn.compose": ("ColumnTransformer",),
}

# Cross-validation splitters (classes whose ``split(X, y, groups)`` yields train / validation index
# pairs), by the endings of their names so that ``RepeatedStratifiedKFold`` or a library's own
# ``PurgedKFold`` count too. A loop over ``splitter.split(X)`` is cross-validation written by hand.
FOLD_SPLITTER_ENDINGS = ("KFold", "Split", "ShuffleSplit", "LeaveOneOut", "LeavePOut", "LeaveOneGroupOut",
                         "LeavePGroupsOut")
FOLD_SPLIT_METHOD = "split"


def is_fold_splitter(name: str) -> bool:
    """Whether a class name (``StratifiedKFold``, ``TimeSeriesSplit``...) is a cross-validation splitter."""
    return name.endswith(FOLD_SPLITTER_ENDINGS)


# The splitters a kernel wraps (their ``split``); the static engine knows them by name (is_fold_splitter).
_FOLD_SPLITTERS = (
    "GroupKFold", "GroupShuffleSplit", "KFold", "LeaveOneGroupOut", "LeaveOneOut", "LeavePGroupsOut", "LeavePOut",
    "PredefinedSplit", "RepeatedKFold", "RepeatedStratifiedKFold", "ShuffleSplit", "StratifiedGroupKFold",
    "StratifiedKFold", "StratifiedShuffleSplit", "TimeSeriesSplit",
)

_METHODS: dict[str, tuple[tuple[str, Kind], ...]] = {
    "model": (
        ("fit", "fit"), ("partial_fit", "fit"), ("fit_predict", "fit-predict"), ("fit_transform", "fit-transform"),
        ("predict", "predict"), ("predict_proba", "predict"), ("predict_log_proba", "predict"),
        ("decision_function", "predict"), ("transform", "transform"), ("score", "score"),
    ),
    "transformer": (
        ("fit", "fit"), ("partial_fit", "fit"), ("fit_transform", "fit-transform"), ("transform", "transform"),
        ("fit_predict", "fit-predict"), ("predict", "predict"),
    ),
}
_METHODS["stateless"] = _METHODS["transformer"]
_METHODS["target-encoder"] = _METHODS["transformer"]
_METHODS["search"] = _METHODS["model"]
_METHODS["auto"] = _METHODS["model"]

# Metrics: (y_true, y_pred or y_score, ...).
_METRICS = (
    "accuracy_score", "average_precision_score", "balanced_accuracy_score", "brier_score_loss",
    "classification_report", "cohen_kappa_score", "confusion_matrix", "d2_absolute_error_score",
    "explained_variance_score", "f1_score", "fbeta_score", "hamming_loss", "jaccard_score", "log_loss",
    "matthews_corrcoef", "max_error", "mean_absolute_error", "mean_absolute_percentage_error",
    "mean_pinball_loss", "mean_squared_error", "mean_squared_log_error", "median_absolute_error",
    "det_curve", "precision_recall_curve", "precision_recall_fscore_support", "precision_score", "r2_score", "recall_score",
    "roc_auc_score", "roc_curve", "root_mean_squared_error", "root_mean_squared_log_error", "top_k_accuracy_score",
)

# Metrics that score every threshold of the scores they are given (a curve: its rates and the thresholds, in
# arrays): a threshold read off the curve of the test set is chosen with it (multi-test); role "curve".
CURVES = ("det_curve", "precision_recall_curve", "roc_curve")


# Bundled, downloaded and generated datasets: sources of rows like a file read (every row is data).
# ``load_*``/``fetch_*`` return a Bunch (.data, .target, .frame) or (X, y) with ``return_X_y=True``;
# ``make_*`` and ``load_svmlight_file`` always return (X, y, ...).
_DATASETS = (
    "load_breast_cancer", "load_diabetes", "load_digits", "load_iris", "load_linnerud", "load_wine",
    "fetch_20newsgroups", "fetch_20newsgroups_vectorized", "fetch_california_housing", "fetch_covtype",
    "fetch_kddcup99", "fetch_lfw_people", "fetch_olivetti_faces", "fetch_openml", "fetch_rcv1",
)
_GENERATED = (
    "load_svmlight_file", "make_blobs", "make_circles", "make_classification", "make_friedman1", "make_friedman2",
    "make_friedman3", "make_gaussian_quantiles", "make_hastie_10_2", "make_moons", "make_multilabel_classification",
    "make_regression", "make_s_curve", "make_swiss_roll",
)


# Function forms of transformers: each fits the class named on the rows it is given and returns them
# transformed (``scale(X)`` is ``StandardScaler().fit_transform(X)``). ``normalize`` scales each row by
# its own norm and ``binarize`` thresholds each value: they learn nothing across rows; ``label_binarize``
# is given its classes.
FUNCTION_FORMS: dict[str, tuple[str, str]] = {  # name -> (class, role)
    "scale": ("StandardScaler", "transformer"),
    "minmax_scale": ("MinMaxScaler", "transformer"),
    "robust_scale": ("RobustScaler", "transformer"),
    "maxabs_scale": ("MaxAbsScaler", "transformer"),
    "quantile_transform": ("QuantileTransformer", "transformer"),
    "power_transform": ("PowerTransformer", "transformer"),
    "normalize": ("Normalizer", "stateless"),
    "binarize": ("Binarizer", "stateless"),
    "label_binarize": ("LabelBinarizer", "stateless"),
}


def _classes(table: dict[str, tuple[str, ...]], role: str, options: tuple[str, ...] = ()) -> list[Api]:
    return [Api(module, f"{cls}.{method}", kind, role=role, options=options if kind == "fit" else ())
            for module, classes in table.items() for cls in classes for method, kind in _METHODS[role]]


# Univariate scores of every feature against the label, over the rows given (how features are picked:
# ``mutual_info_classif(X, y)`` then the top k): a statistic relating the columns to the target, as
# ``corr()`` with the label column is; SelectKBest(f_classif) fit on the same rows learns the same thing.
_FEATURE_SCORES = ("chi2", "f_classif", "f_regression", "mutual_info_classif", "mutual_info_regression",
                   "r_regression")

# Functions that fit and score a model fold by fold (``validation_curve`` over a parameter's values too);
# read by both engines (the kernel's ``cross-validate`` entries, static/models.py).
CROSS_VALIDATIONS = ("cross_val_score", "cross_validate", "cross_val_predict", "permutation_test_score",
                     "learning_curve", "validation_curve")
# Transformers that learn nothing from the rows they are fitted on: fitting them on every row leaks nothing.
STATELESS: tuple[str, ...] = tuple(cls for classes in _STATELESS.values() for cls in classes)
# Functions that build a composite estimator (``make_pipeline(scaler, model)``): an estimator, though lower case.
FACTORIES = ("make_pipeline", "make_column_transformer", "make_union")


ENTRIES: tuple[Api, ...] = (
    *(Api("sklearn.feature_selection", name, "inspect", relates=True) for name in _FEATURE_SCORES),
    *(Api("sklearn.datasets", name, "read", role="dataset") for name in _DATASETS),
    *(Api("sklearn.datasets", name, "read", role="pair") for name in _GENERATED),
    *(Api("sklearn.preprocessing", name, "transform-function", role=role)
      for name, (_cls, role) in FUNCTION_FORMS.items()),
    Api("sklearn.model_selection", "train_test_split", "split"),
    *(Api("sklearn.model_selection", f"{cls}.{FOLD_SPLIT_METHOD}", "folds") for cls in _FOLD_SPLITTERS),
    *_classes(_SEARCHES, "search"),
    *_classes(_COMPOSITES, "auto"),
    *_classes(_MODELS, "model"),
    # early stopping scores X_val / y_val every iteration
    *_classes({"sklearn.ensemble": ("HistGradientBoostingClassifier", "HistGradientBoostingRegressor")}, "model",
              ("X_val+y_val",)),
    *_classes(_TRANSFORMERS, "transformer"),
    *_classes(_STATELESS, "stateless"),
    *_classes({"sklearn.preprocessing": ("TargetEncoder",)}, "target-encoder"),
    *(Api("sklearn.model_selection", name, "cross-validate", role="search" if name == "validation_curve" else "")
      for name in CROSS_VALIDATIONS),
    Api("sklearn.utils", "resample", "resample"),
    *(Api("sklearn.metrics", name, "metric", role="curve" if name in CURVES else "") for name in _METRICS),
)

# Splits that draw rows at random, ignoring which entity a row belongs to; and the splitters
# that keep each entity's rows on one side (named in the ``overlap`` rule's hint).
RANDOM_SPLITS: tuple[str, ...] = ("train_test_split",)
GROUP_SPLITTERS: tuple[str, ...] = ("GroupShuffleSplit", "GroupKFold", "StratifiedGroupKFold", "LeaveOneGroupOut",
                                    "LeavePGroupsOut")

# ``sklearn.utils.resample`` draws with replacement (copies of rows) unless told not to:
# (keyword, default). ``replace=False`` only picks distinct rows (undersampling).
RESAMPLE_REPLACE: tuple[str, bool] = ("replace", True)

# Modules whose import should trigger wrapping when they are imported after the extension loads.
MODULES: tuple[str, ...] = tuple(sorted({api.module for api in ENTRIES}))

# Cross-validation splitters and time order: which keep every validation fold after its
# training rows (the right tool for time-ordered rows) and which do not. Read by both
# engines (kernel/evidence.py, static/models.py) for ``cv=`` of cross_val_score, searches...
TIME_ORDERED_CV = ("TimeSeriesSplit", "PredefinedSplit")
UNORDERED_CV = ("LeaveOneOut", "LeavePOut", "LeaveOneGroupOut")
UNORDERED_CV_SUFFIXES = ("KFold", "ShuffleSplit")


def cv_keeps_time_order(cv: str | int | None) -> bool | None:
    """Whether a ``cv=`` argument (its class name, a fold count or None) keeps time order; None: cannot tell.

    The default (None) and an int are (Stratified)KFold: folds validate on rows older than
    some of their training rows.
    """
    if cv is None or isinstance(cv, int):
        return False
    if cv in TIME_ORDERED_CV:
        return True
    if cv.endswith(UNORDERED_CV_SUFFIXES) or cv in UNORDERED_CV:
        return False
    return None

# How the names of hyper-parameter searches end (scikit-optimize's ``BayesSearchCV`` too).
SEARCH_ENDINGS = ("SearchCV", "GridSearchCV", "RandomizedSearchCV", "BayesSearchCV", "TunedThresholdClassifierCV")

# How transformers' class names end (``StandardScaler``, ``SimpleImputer``, ``SelectKBest``...), any library's.
TRANSFORMER_ENDINGS = ("Scaler", "Imputer", "Encoder", "Transformer", "Vectorizer", "Discretizer", "PCA", "SVD",
                        "NMF", "ICA", "Analysis", "Selector", "Threshold", "KBest", "Percentile", "RFE", "RFECV",
                        "FromModel", "Features", "Normalizer", "Binarizer", "Embedding", "Isomap", "Nystroem",
                        "Sampler", "FeatureUnion", "Union")

# Attributes a fit learns (``coef_``, ``mean_``, ``best_params_``...): reading one reads the fit's rows.
FITTED_ATTRIBUTES = frozenset({"coef_", "intercept_", "feature_importances_", "best_params_", "best_score_",
                            "cv_results_", "classes_", "mean_", "scale_", "var_", "components_", "statistics_",
                            "categories_", "vocabulary_", "idf_", "n_features_in_", "feature_names_in_"})

# Metric keywords that carry predictions or scores (``roc_auc_score(y_true=..., y_score=...)``).
PREDICTION_KEYWORDS = ("y_pred", "y_score", "y_prob", "probas_pred", "y_proba")

# The parts of a dataset ``Bunch`` that hold rows.
BUNCH_PARTS = ("data", "target", "frame")
