"""The policy: what leakguard protects (label, future rows past a cutoff, holdout rows) and how.

A policy is read, later wins, from ``[tool.leakguard]`` in the nearest ``pyproject.toml``,
a ``leakguard.toml`` beside the notebook, ``%leakguard policy ...`` and
``leakguard.policy(...)``. Parts leakguard guessed rather than read are listed in
``Policy.inferred`` so every face can mark them.

>>> p = Policy().updated({"label": "churned", "holdout": 0.25}, origin="example")
>>> p.label, p.holdout.fraction, p.mode
(('churned',), 0.25, 'warn')
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import shlex
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, cast

from leakguard.errors import PolicyError

Mode = Literal["warn", "block", "safe"]
MODES: tuple[Mode, ...] = ("warn", "block", "safe")
DEFAULT_HOLDOUT_FRACTION = 0.2

_KEYS = (
    "label", "time", "cutoff", "holdout", "seed", "holdout_column", "holdout_ids",
    "id_column", "holdout_tables", "mode", "infer",
)


@dataclasses.dataclass(frozen=True)
class Holdout:
    """Which rows are held out for testing: a seeded fraction, a mask column, ids, or whole tables."""

    fraction: float | None = None
    seed: int = 0
    column: str | None = None
    ids: tuple[Any, ...] | None = None
    id_column: str | None = None
    tables: tuple[str, ...] = ()

    @property
    def declared(self) -> bool:
        """True when some holdout is defined (by fraction, column, ids or tables)."""
        return self.fraction is not None or self.column is not None or self.ids is not None or bool(self.tables)

    def describe(self) -> str:
        """A short human description, e.g. ``20% (seed 7)``."""
        parts: list[str] = []
        if self.fraction is not None:
            parts.append(f"{self.fraction:.0%} (seed {self.seed})")
        if self.column is not None:
            parts.append(f"rows where {self.column} is true")
        if self.ids is not None:
            parts.append(f"{len(self.ids)} ids in {self.id_column}")
        if self.tables:
            parts.append("tables " + ", ".join(self.tables))
        return "; ".join(parts) or "none"


@dataclasses.dataclass(frozen=True, repr=False)
class Policy:
    """What is protected. Immutable: every change makes a new policy (``updated``)."""

    label: tuple[str, ...] = ()
    time: str | None = None
    cutoff: str | None = None
    holdout: Holdout = Holdout()
    mode: Mode = "warn"
    inferred: frozenset[str] = frozenset()
    origins: tuple[tuple[str, str], ...] = ()
    infer: bool = True  # False: nothing undeclared is inferred (``infer = false``, ``%leakguard policy infer=off``)

    @property
    def cutoff_datetime(self) -> dt.datetime | None:
        """The cutoff parsed (validated on update, so this never fails)."""
        return None if self.cutoff is None else _parse_cutoff(self.cutoff)

    @property
    def has_future(self) -> bool:
        """True when rows past a cutoff are protected."""
        return self.time is not None and self.cutoff is not None

    @property
    def protected_columns(self) -> tuple[str, ...]:
        """Columns the policy names, in order, without repeats."""
        cols = [*self.label]
        for c in (self.time, self.holdout.column, self.holdout.id_column):
            if c is not None and c not in cols:
                cols.append(c)
        return tuple(cols)

    def origin_of(self, key: str) -> str | None:
        """Where a policy key was last set (a file, the magic or the API)."""
        for k, origin in reversed(self.origins):
            if k == key:
                return origin
        return None

    def updated(self, values: Mapping[str, Any], origin: str, *, inferred: bool = False) -> Policy:
        """A new policy with ``values`` applied; raises PolicyError on an unknown key or a bad value."""
        unknown = sorted(set(values) - set(_KEYS))
        if unknown:
            raise PolicyError(
                f"unknown policy key(s) {', '.join(unknown)} (from {origin}); known keys: {', '.join(_KEYS)}"
            )
        label, time, cutoff, mode, infer = self.label, self.time, self.cutoff, self.mode, self.infer
        h = self.holdout
        if "label" in values:
            label = _as_names(values["label"], "label", origin)
        if "time" in values:
            time = _as_optional_name(values["time"], "time", origin)
        if "cutoff" in values:
            cutoff = None if values["cutoff"] is None else _cutoff_text(values["cutoff"], origin)
        if "mode" in values:
            mode = _as_mode(values["mode"], origin)
        if "infer" in values:
            infer = _as_switch(values["infer"], origin)
        if "holdout" in values:
            h = _holdout_from(values["holdout"], h, origin)
        if "seed" in values:
            seed = values["seed"]
            if isinstance(seed, bool) or not isinstance(seed, int):
                raise PolicyError(f"seed must be an integer, got {seed!r} (from {origin})")
            h = dataclasses.replace(h, seed=seed)
        if "holdout_column" in values:
            h = dataclasses.replace(h, column=_as_optional_name(values["holdout_column"], "holdout_column", origin))
        if "holdout_ids" in values:
            h = dataclasses.replace(h, ids=_as_ids(values["holdout_ids"], origin))
        if "id_column" in values:
            h = dataclasses.replace(h, id_column=_as_optional_name(values["id_column"], "id_column", origin))
        if "holdout_tables" in values:
            h = dataclasses.replace(h, tables=_as_names(values["holdout_tables"], "holdout_tables", origin))
        if h.ids is not None and h.id_column is None:
            raise PolicyError(f"holdout_ids needs id_column, the column holding those ids (from {origin})")
        if cutoff is not None and time is None and "cutoff" in values:
            raise PolicyError(f"cutoff {cutoff!r} needs time, the column it applies to (from {origin})")
        keys = set(values)
        if "holdout" in keys or "seed" in keys:
            keys.add("holdout")
        now_inferred = (self.inferred | keys) if inferred else (self.inferred - keys)
        if not infer:  # inference off: what was inferred goes, what was declared stays
            label = () if "label" in now_inferred else label
            h = Holdout(seed=h.seed) if "holdout" in now_inferred else h
            time = None if "time" in now_inferred else time
            now_inferred = frozenset()
        return Policy(
            label=label, time=time, cutoff=cutoff, holdout=h, mode=mode, infer=infer,
            inferred=frozenset(now_inferred),
            origins=self.origins + tuple((k, origin) for k in sorted(values)),
        )

    def with_default_holdout(self) -> Policy:
        """The policy with an inferred 20% holdout when a label is declared but no holdout is."""
        if self.holdout.declared or not self.label:
            return self
        return self.updated({"holdout": DEFAULT_HOLDOUT_FRACTION}, "default", inferred=True)

    def missing_columns(self, columns: Iterable[object]) -> list[str]:
        """The policy's columns that are absent from ``columns``."""
        have = set(columns)
        return [c for c in self.protected_columns if c not in have]

    def check_columns(self, columns: Sequence[object], frame_name: str = "the data") -> None:
        """Raise PolicyError naming the missing policy columns and listing the frame's columns."""
        missing = self.missing_columns(columns)
        if missing:
            shown = ", ".join(_short(str(c)) for c in columns[:40])
            more = f" (and {len(columns) - 40} more)" if len(columns) > 40 else ""
            raise PolicyError(
                f"policy names column(s) {', '.join(map(repr, missing))} that {frame_name} does not have; "
                f"its columns are: {shown}{more}"
            )

    def summary(self, origins: Mapping[str, str] | None = None) -> str:
        """One line for status output; inferred parts carry '(inferred)', or '(inferred: <origin>)' given ``origins``.

        A declared label with no holdout acts (``leakguard.split``, safe mode) on the default holdout,
        which is shown as such rather than as ``none``.
        """
        origins = origins or {}

        def mark(key: str, text: str) -> str:
            if key not in self.inferred:
                return text
            where = origins.get(key) or self.origin_of(key)
            return f"{text} (inferred: {where})" if where and where != "default" else f"{text} (inferred)"

        holdout = f"holdout={self.holdout.describe()}"
        if not self.holdout.declared and self.label and "label" not in self.inferred:
            holdout = f"holdout={self.with_default_holdout().holdout.describe()} (inferred: default for a declared label)"
        parts = [
            mark("label", "label=" + (",".join(self.label) or "-")),
            mark("time", f"time={self.time or '-'}"),
            mark("cutoff", f"cutoff={self.cutoff or '-'}"),
            mark("holdout", holdout),
            f"mode={self.mode}",
        ]
        if not self.infer:
            parts.append("infer=off")
        return "  ".join(parts)

    def __repr__(self) -> str:
        return f"<leakguard policy: {self.summary()}>"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view, used by lock files, the comm protocol and ``%leakguard``."""
        h = self.holdout
        return {
            "label": list(self.label), "time": self.time, "cutoff": self.cutoff, "mode": self.mode,
            "holdout": {
                "fraction": h.fraction, "seed": h.seed, "column": h.column,
                "ids": None if h.ids is None else list(h.ids), "id_column": h.id_column,
                "tables": list(h.tables),
            },
            "inferred": sorted(self.inferred), "infer": self.infer,
        }


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _as_names(value: Any, key: str, origin: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) and v for v in value):
        raise PolicyError(f"{key} must be a column name or a list of names, got {value!r} (from {origin})")
    return tuple(value)


def _as_ids(value: Any, origin: str) -> tuple[Any, ...] | None:
    """``holdout_ids`` as a tuple of ids; refused when some could never match a row (``isin`` would say no silently)."""
    if value is None:
        return None
    expected = "a list of ids such as [17, 42]"
    if isinstance(value, (str, bytes)):
        raise PolicyError(f"holdout_ids must be {expected}, got the single value {value!r} "
                          f"(write [{value!r}] for one id) (from {origin})")
    if isinstance(value, Mapping) or not isinstance(value, Iterable):
        raise PolicyError(f"holdout_ids must be {expected}, got {_short(repr(value))} (from {origin})")
    ids = tuple(value)
    for i, item in enumerate(ids):
        try:
            hash(item)
        except TypeError:
            raise PolicyError(
                f"holdout_ids must be {expected}: item {i}, {_short(repr(item))}, is a "
                f"{type(item).__name__}, not an id (from {origin})"
            ) from None
    return ids


def _as_optional_name(value: Any, key: str, origin: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise PolicyError(f"{key} must be a column name, got {value!r} (from {origin})")
    return value


def _as_switch(value: Any, origin: str) -> bool:
    """``infer``: a boolean (files, the API) or on/off/true/false/yes/no/1/0 (the magic)."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower() if isinstance(value, str) else None
    if text in ("on", "true", "yes", "1"):
        return True
    if text in ("off", "false", "no", "0"):
        return False
    raise PolicyError(f"infer must be true or false (on/off), got {value!r} (from {origin})")


def _as_mode(value: Any, origin: str) -> Mode:
    if value not in MODES:
        raise PolicyError(f"mode must be one of {', '.join(MODES)}, got {value!r} (from {origin})")
    return cast(Mode, value)


def _parse_cutoff(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def _cutoff_text(value: Any, origin: str) -> str:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if hasattr(value, "isoformat") and callable(value.isoformat):  # pandas.Timestamp, numpy-free
        return str(value.isoformat())
    if isinstance(value, str):
        try:
            _parse_cutoff(value)
        except ValueError:
            raise PolicyError(
                f"cutoff {value!r} is not an ISO date or datetime such as '2024-06-01' (from {origin})"
            ) from None
        return value
    raise PolicyError(f"cutoff must be an ISO date string or a datetime, got {value!r} (from {origin})")


def _holdout_from(value: Any, current: Holdout, origin: str) -> Holdout:
    if value is None:
        return Holdout(seed=current.seed)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise PolicyError(
            f"holdout must be a fraction between 0 and 1 such as 0.2, got {value!r} (from {origin}); "
            "use holdout_column, holdout_ids or holdout_tables for other kinds of holdout"
        )
    if not 0 < float(value) < 1:
        raise PolicyError(f"holdout must be strictly between 0 and 1, got {value!r} (from {origin})")
    return dataclasses.replace(current, fraction=float(value))


# --- loading -------------------------------------------------------------------------------


def find_policy_files(start: Path) -> list[Path]:
    """Policy files that apply to a notebook in ``start``: nearest pyproject first, then leakguard.toml."""
    found: list[Path] = []
    for folder in (start, *start.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file() and _has_leakguard_table(candidate):
            found.append(candidate)
            break
    local = start / "leakguard.toml"
    if local.is_file():
        found.append(local)
    return found


def _has_leakguard_table(path: Path) -> bool:
    try:
        return "leakguard" in tomllib.loads(path.read_text(encoding="utf-8")).get("tool", {})
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return False


def load_policy(start: Path | str = ".", base: Policy | None = None) -> Policy:
    """The policy from files around ``start`` (pyproject.toml, then leakguard.toml) over ``base``."""
    policy = base or Policy()
    for path in find_policy_files(Path(start).resolve()):
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            raise PolicyError(f"cannot read {path}: {exc}") from None
        except tomllib.TOMLDecodeError as exc:
            raise PolicyError(f"{path} is not valid TOML: {exc}") from None
        table = data.get("tool", {}).get("leakguard", {}) if path.name == "pyproject.toml" else data
        if not isinstance(table, dict):
            raise PolicyError(f"[tool.leakguard] in {path} must be a table")
        policy = policy.updated(table, origin=str(path))
    return policy


def parse_magic_args(text: str) -> dict[str, Any]:
    """``label=churned time=event_ts cutoff=2024-06-01 holdout=0.2`` → a dict of policy values."""
    values: dict[str, Any] = {}
    try:
        tokens = shlex.split(text)
    except ValueError as exc:
        raise PolicyError(f"cannot read policy arguments {text!r}: {exc}") from None
    for token in tokens:
        key, sep, raw = token.partition("=")
        if not sep:
            raise PolicyError(f"policy arguments are key=value pairs, got {token!r}")
        values[key.strip()] = _magic_value(key.strip(), raw)
    return values


def _magic_list(key: str, raw: str) -> list[str]:
    """``a,b`` or ``[a,b]`` (quotes already removed by shlex) → ``["a", "b"]``; stray brackets are refused.

    Spaces need quotes: ``label=[y, nope]`` reaches here as ``[y,`` (and a word ``nope]``).
    """
    text = raw.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    parts = [part.strip() for part in text.split(",")]
    if any(c in part for part in parts for c in "[]"):
        raise PolicyError(
            f"{key}: cannot read {raw!r} as a list; write {key}=a,b or {key}=[a,b] "
            f"(quote it when it has spaces: {key}='[a, b]')"
        )
    return [part for part in parts if part]


def _magic_id(text: str) -> Any:
    """An id typed in the magic: an integer when it reads as one exactly (``17``), else the text (``c7``, ``007``)."""
    try:
        number = int(text)
    except ValueError:
        return text
    return number if str(number) == text else text


def _magic_value(key: str, raw: str) -> Any:
    if key in ("label", "holdout_tables"):
        return _magic_list(key, raw)
    if key == "holdout":
        try:
            return float(raw)
        except ValueError:
            raise PolicyError(f"holdout must be a fraction such as 0.2, got {raw!r}") from None
    if key == "seed":
        try:
            return int(raw)
        except ValueError:
            raise PolicyError(f"seed must be an integer, got {raw!r}") from None
    if key == "holdout_ids":
        return [_magic_id(part) for part in _magic_list(key, raw)]
    if raw.lower() in ("none", ""):
        return None
    return raw
