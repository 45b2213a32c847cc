"""Reading pull pages fast: member puts validated once, straight from the bytes, as plain dicts.

A new till pulls a million members. Validating each as a MemberData model costs about twice as
much as the JSON parse itself (building three model instances per member), and validating the
page as PullResponse first (``data`` as a plain dict) and the members again afterwards costs
both. Here the page is validated in one pass, with each member put's ``data`` checked by
MemberData's own rules but returned as a dict (a "member record"):

* the record validator is derived from ``MemberData.__pydantic_core_schema__``: every model in it
  becomes a typed dict with the same fields, constraints, extra-field policy and defaults
  (tests/sync/test_pages.py checks it accepts and refuses what MemberData does, with the same
  values);
* a page this typed reading refuses is read again as a plain PullResponse by the client, which
  then decides exactly as before (``sync.bad_response`` for a malformed page; a malformed member
  is skipped when it is applied).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, GetPydanticSchema, ValidationError
from pydantic_core import SchemaValidator
from pydantic_core import core_schema as cs

from .protocol import Change, Entity, MemberData, Op, PullResponse

#: What a member record holds: MemberData's fields, nested models as dicts, defaults filled in.
MemberRecord = dict[str, Any]

#: Schema nodes the derivation passes through unchanged: they check one value, not a model.
_MODEL_WRAPPERS = ("function-before", "function-after", "function-wrap", "function-plain")


def _as_records(schema: Any) -> Any:
    """``schema`` with every model replaced by a typed dict of the same fields."""
    if isinstance(schema, list):
        return [_as_records(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    kind = schema.get("type")
    inner = schema.get("schema")
    if kind in _MODEL_WRAPPERS and isinstance(inner, dict) and inner.get("type") == "model":
        raise TypeError("member records cannot carry model-level validators (they want a model)")
    if kind in ("definitions", "definition-ref"):
        raise TypeError("member records do not support recursive models")
    if kind == "model":
        fields = schema["schema"]
        if fields.get("type") != "model-fields" or fields.get("computed_fields"):
            raise TypeError(f"unsupported model schema: {fields.get('type')}")
        if schema.get("custom_init") or schema.get("post_init"):
            raise TypeError("member records cannot run a model's __init__")
        return cs.typed_dict_schema(
            {
                name: cs.typed_dict_field(
                    _as_records(field["schema"]),
                    required=field["schema"].get("type") != "default",
                    validation_alias=field.get("validation_alias"),
                )
                for name, field in fields["fields"].items()
            },
            extra_behavior=schema.get("config", {}).get("extra_fields_behavior"),
        )
    derived = {key: _as_records(value) for key, value in schema.items()}
    if kind == "default" and isinstance(derived.get("default"), BaseModel):
        derived["default"] = derived["default"].model_dump()
    return derived


MEMBER_RECORD_SCHEMA: cs.CoreSchema = _as_records(MemberData.__pydantic_core_schema__)
_ONE = SchemaValidator(MEMBER_RECORD_SCHEMA)
_MANY = SchemaValidator(cs.list_schema(MEMBER_RECORD_SCHEMA))


def member_record(data: Any) -> MemberRecord:
    """One member's data (a dict as MemberData accepts it) as a record; ValidationError if not."""
    record: MemberRecord = _ONE.validate_python(data)
    return record


def member_records(items: list[Any]) -> list[MemberRecord]:
    """Many at once (faster); ValidationError if any one is malformed."""
    records: list[MemberRecord] = _MANY.validate_python(items)
    return records


class MemberPut(Change):
    """A member ``put`` whose data the client already validated: a member record."""

    entity: Literal[Entity.MEMBER]
    op: Literal[Op.PUT]
    data: Annotated[MemberRecord, GetPydanticSchema(lambda _t, _h: MEMBER_RECORD_SCHEMA)]


class _MemberOther(Change):
    entity: Literal[Entity.MEMBER]
    op: Literal[Op.DELETE, Op.MERGE]


class _OtherChange(Change):
    entity: Literal[
        Entity.TIER, Entity.PRODUCT, Entity.COUPON, Entity.RULE, Entity.KEY, Entity.STATS
    ]


_TypedChange = Annotated[
    Annotated[MemberPut | _MemberOther, Field(discriminator="op")] | _OtherChange,
    Field(discriminator="entity"),
]


_Records = Annotated[list[MemberRecord], GetPydanticSchema(lambda _t, _h: _RECORD_LIST)]
_RECORD_LIST = cs.list_schema(MEMBER_RECORD_SCHEMA)


class TypedPull(PullResponse):
    """A PullResponse whose member puts are MemberPut (tagged by entity, then op) and whose
    ``members`` list holds member records."""

    changes: list[_TypedChange]  # type: ignore[assignment]
    members: _Records | None = None


def parse_pull(body: bytes) -> PullResponse | None:
    """The page with typed member puts, or None when it does not pass this reading."""
    try:
        return TypedPull.model_validate_json(body)
    except ValidationError:
        return None
