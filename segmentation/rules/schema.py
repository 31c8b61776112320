"""The published JSON Schemas of rule sets and segments (``segment_defs/*.schema.json``).

Generated from the pydantic model; ``python -m segmentation.rules.schema`` rewrites them and a
test fails when the checked-in copies drift from the model.
"""

from __future__ import annotations

import json
from pathlib import Path

from segmentation.rules.model import RULE_SET_VERSION, RuleSet, Segment
from segmentation.settings import REPOSITORY

SEGMENT_DEFS = REPOSITORY / "segment_defs"
SCHEMAS = {"ruleset.schema.json": RuleSet, "segment.schema.json": Segment}


def schema_text(model) -> str:
    """The JSON Schema of ``model`` as published, with its id and version."""
    schema = model.model_json_schema()
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"urn:segmentation:{model.__name__.lower()}:v{RULE_SET_VERSION}",
        **schema,
    }
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def write_schemas(folder: Path = SEGMENT_DEFS) -> list[Path]:
    """Write every published schema into ``folder``; the paths written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, model in SCHEMAS.items():
        path = folder / name
        path.write_text(schema_text(model))
        written.append(path)
    return written


if __name__ == "__main__":
    for path in write_schemas():
        print(f"wrote {path}")
