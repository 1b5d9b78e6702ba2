"""imbalanced-learn: resamplers (``fit_resample``) and its pipeline (resampling inside each fold).

Over-samplers and combined samplers make new rows from existing ones (copies or synthetic
neighbours); under-samplers only drop rows. All samplers share ``BaseSampler.fit_resample``,
so the kernel tells them apart by the class's module at call time. Resolved only when
imbalanced-learn is importable.
"""

from __future__ import annotations

from leakguard.libraries.api import Api, Kind

_SAMPLERS: dict[str, tuple[str, ...]] = {
    "imblearn.over_sampling": ("ADASYN", "BorderlineSMOTE", "KMeansSMOTE", "RandomOverSampler", "SMOTE", "SMOTEN",
                               "SMOTENC", "SVMSMOTE"),
    "imblearn.combine": ("SMOTEENN", "SMOTETomek"),
    "imblearn.under_sampling": ("ClusterCentroids", "CondensedNearestNeighbour", "EditedNearestNeighbours",
                                "NearMiss", "RandomUnderSampler", "TomekLinks"),
}

# every resampler's class name (the static engine knows them by name, wherever they are imported from)
SAMPLERS: tuple[str, ...] = tuple(cls for classes in _SAMPLERS.values() for cls in classes)

_PIPELINE: tuple[tuple[str, Kind], ...] = (
    ("fit", "fit"), ("fit_predict", "fit-predict"), ("fit_transform", "fit-transform"), ("predict", "predict"),
    ("predict_proba", "predict"), ("decision_function", "predict"), ("transform", "transform"), ("score", "score"),
)

ENTRIES: tuple[Api, ...] = (
    *(Api(module, f"{cls}.fit_resample", "resample", role="auto")
      for module, classes in _SAMPLERS.items() for cls in classes),
    *(Api("imblearn.pipeline", f"Pipeline.{method}", kind, role="auto") for method, kind in _PIPELINE),
)
