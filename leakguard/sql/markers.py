"""Parameter markers (``?``, ``:name``, ``$1``, ``%(x)s``, ``@p``...) of SQL text, read from its tokens.

Safe mode must send a query whose markers are exactly those the user wrote, in order,
so the parameters the driver binds still land where they should.

>>> markers("SELECT * FROM t WHERE a = :lo AND ts < '2024-01-01 00:00:00' AND b = ?", "sqlite")
[':lo', '?']
"""

from __future__ import annotations

from typing import Any

from sqlglot.dialects.dialect import Dialect
from sqlglot.tokenizer_core import Token, TokenType

T = TokenType
_NAMES = {T.VAR, T.NUMBER, T.IDENTIFIER}
# token shapes after the opening token: $1 / :name / ${name} / %s / %(name)s
_SHAPES: dict[Any, tuple[tuple[set[Any], ...], ...]] = {
    T.PARAMETER: ((_NAMES,), ({T.L_BRACE}, _NAMES, {T.R_BRACE})),
    T.COLON: ((_NAMES,),),
    T.MOD: (({T.VAR},), ({T.L_PAREN}, _NAMES, {T.R_PAREN}, {T.VAR})),
}


def markers(sql: str, dialect: str) -> list[str]:
    """The parameter markers of ``sql`` in order (``?``, ``:name``, ``$1``, ``%(x)s``...)."""
    return markers_in(Dialect.get_or_raise(dialect).tokenize(sql), sql)


def markers_in(toks: list[Token], sql: str) -> list[str]:
    """The parameter markers among ``toks``, the tokens of ``sql``."""
    found: list[str] = []
    i = 0
    while i < len(toks):
        tok = toks[i]
        if tok.token_type == T.PLACEHOLDER:
            found.append(sql[tok.start:tok.end + 1])
            i += 1
            continue
        shapes = _SHAPES.get(tok.token_type, ())
        glued_to_previous = i > 0 and toks[i - 1].end + 1 == tok.start and toks[i - 1].token_type in _NAMES
        matched = 0 if glued_to_previous else _match_shape(toks, i, shapes)
        if matched and (tok.token_type != T.MOD or toks[i + matched].text == "s"):
            found.append(sql[tok.start:toks[i + matched].end + 1])
            i += matched + 1
        else:
            i += 1
    return found


def marker_name(marker: str) -> str:
    """``:name`` → ``name``, ``$1`` → ``1``, ``%(x)s`` → ``x``; anonymous ``?`` / ``%s`` → ``""``."""
    if marker in ("?", "%s"):
        return ""
    if marker.startswith("%("):
        return marker[2:-2]
    return marker.lstrip("$@:").strip("{}")


def _match_shape(toks: list[Token], i: int, shapes: tuple[tuple[set[Any], ...], ...]) -> int:
    """How many tokens after ``toks[i]`` form a marker with it (0: none)."""
    for shape in sorted(shapes, key=len, reverse=True):
        end = toks[i].end
        for k, allowed in enumerate(shape, start=1):
            if i + k >= len(toks) or toks[i + k].start != end + 1 or toks[i + k].token_type not in allowed:
                break
            end = toks[i + k].end
        else:
            return len(shape)
    return 0
