"""Read JSON bodies the way dockerd's Go decoder does, so the guard checks what dockerd applies.

Go's ``encoding/json`` matches struct fields case-insensitively (including the
Unicode folds ``ſ``→s and Kelvin ``K``→k), ignores unknown keys, and on a repeated
key *merges* objects into the struct or map already decoded (scalars and lists:
last one wins). A naive ``json.loads`` would check a different document than the
one dockerd applies (``{"HostConfig": {"privileged": false, "Privileged": true}}``).

So bodies are decoded against a schema (:mod:`course.guard.schema`) into canonical
field names, and the guard forwards only that decoded document, re-serialized:
dockerd never sees a key the guard did not check. Keys the schema does not know are
dropped when empty and refused otherwise (fail closed).
"""

from __future__ import annotations

import json
from typing import Any

from course.guard.errors import Refused, refuse

INT64 = (-(2**63), 2**63 - 1)


class Pairs(list):
    """A JSON object as its (key, value) pairs, in order, duplicates kept."""


def bad(path: str, why: str) -> Refused:
    return Refused(f"course guard could not read the request body: {path or 'body'} {why}", 400)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def loads(raw: bytes) -> Any:
    """Parse strict JSON (UTF-8, no NaN, nothing trailing), objects as :class:`Pairs`."""
    try:
        text = raw.decode("utf-8")
        return json.JSONDecoder(object_pairs_hook=Pairs, parse_constant=_no_constant).decode(text)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise bad("", f"is not valid JSON ({exc}). Send one JSON object, UTF-8 encoded") from None


def dumps(value: Any) -> bytes:
    """Serialize a decoded document compactly (ASCII escapes, which Go reads back identically)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=True).encode()


def is_zero(value: Any) -> bool:
    """Go's zero values: what an unknown key may carry and still be dropped harmlessly."""
    if isinstance(value, Pairs):
        return all(is_zero(v) for _, v in value)
    return value is None or value is False or value == 0 or value == "" or value == [] or value == {}


class Type:
    """A Go type the body is decoded into."""

    def decode(self, raw: Any, path: str, prev: Any = None) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError


class Str(Type):
    def decode(self, raw: Any, path: str, prev: Any = None) -> Any:
        if raw is None:
            return None
        if not isinstance(raw, str):
            raise bad(path, "must be a string")
        try:
            raw.encode("utf-8")
        except UnicodeEncodeError:
            raise bad(path, "contains an unpaired surrogate escape") from None
        return raw


class Int(Type):
    def decode(self, raw: Any, path: str, prev: Any = None) -> Any:
        if raw is None:
            return None
        if isinstance(raw, bool) or not isinstance(raw, int) or not INT64[0] <= raw <= INT64[1]:
            raise bad(path, "must be a whole number (64-bit)")
        return raw


class Bool(Type):
    def decode(self, raw: Any, path: str, prev: Any = None) -> Any:
        if raw is not None and not isinstance(raw, bool):
            raise bad(path, "must be true or false")
        return raw


class StrSlice(Type):
    """Docker's ``strslice``: a string or a list of strings."""

    def decode(self, raw: Any, path: str, prev: Any = None) -> Any:
        if isinstance(raw, str):
            return [Str().decode(raw, path)]
        return ListOf(Str()).decode(raw, path)


class Ignored(Type):
    """Go's ``struct{}`` (``ExposedPorts`` values): any object, decoded as ``{}``."""

    def decode(self, raw: Any, path: str, prev: Any = None) -> Any:
        if raw is not None and not isinstance(raw, Pairs):
            raise bad(path, "must be an object")
        return {}


class ListOf(Type):
    def __init__(self, item: Type) -> None:
        self.item = item

    def decode(self, raw: Any, path: str, prev: Any = None) -> Any:
        if raw is None:
            return None
        if not isinstance(raw, list) or isinstance(raw, Pairs):
            raise bad(path, "must be a list")
        return [self.item.decode(v, f"{path}[{i}]") for i, v in enumerate(raw)]


class MapOf(Type):
    """``map[string]T``: keys exact; a repeated map key replaces, a repeated map merges."""

    def __init__(self, value: Type) -> None:
        self.value = value

    def decode(self, raw: Any, path: str, prev: Any = None) -> Any:
        if raw is None:
            return None
        if not isinstance(raw, Pairs):
            raise bad(path, "must be an object")
        out = dict(prev) if isinstance(prev, dict) else {}
        for key, val in raw:
            Str().decode(key, f"{path} key")
            out[key] = self.value.decode(val, f"{path}[{key!r}]")
        return out


class Struct(Type):
    """A Go struct: case-folded field names, repeated fields merged, unknown fields fail closed."""

    def __init__(self, fields: dict[str, Type], hints: dict[str, str] | None = None) -> None:
        self.fields = fields
        self.folded = {name.casefold(): name for name in fields}
        self.hints = {name.casefold(): text for name, text in (hints or {}).items()}

    def decode(self, raw: Any, path: str, prev: Any = None) -> Any:
        if raw is None:
            return None
        if not isinstance(raw, Pairs):
            raise bad(path, "must be an object")
        out = dict(prev) if isinstance(prev, dict) else {}
        for key, val in raw:
            name = self.folded.get(str(key).casefold())
            where = f"{path}.{key}" if path else str(key)
            if name is None:
                if is_zero(val):
                    continue
                hint = self.hints.get(str(key).casefold(), "Remove it")
                raise refuse(f"the field {where}", "the guard does not know it, so it cannot check "
                             "what it would do (it refuses what it cannot check)", f"{hint}.")
            ftype = self.fields[name]
            where = f"{path}.{name}" if path else name
            merge = isinstance(ftype, (Struct, MapOf)) and isinstance(out.get(name), dict) and val is not None
            out[name] = ftype.decode(val, where, out[name] if merge else None)
        return out


def decode(raw: bytes, schema: Struct, empty_ok: bool = False) -> dict:
    """Parse ``raw`` and decode it against ``schema``; an empty body is ``{}`` if ``empty_ok``."""
    if not raw.strip():
        if empty_ok:
            return {}
        raise bad("", "is empty; send a JSON object")
    value = schema.decode(loads(raw), "")
    if value is None:
        if empty_ok:
            return {}
        raise bad("", "is null; send a JSON object")
    return value
