"""The OpenAPI 3.1 description of ``POST /api/v2/query``, made from the code it describes.

The request schema is generated from the msgspec type the endpoint decodes with
(``queries.request.QueryBody``), then narrowed with the names the query layer knows (metrics,
dimensions, operators, date ranges), so a field or a name added there appears here.
"""

import copy
import re
from typing import Any

import msgspec

from ..queries.catalogue import (
    COMPARISONS,
    DATE_RANGES,
    EVENT_DIMENSIONS,
    FILTER_OPERATORS,
    MAX_PROP_KEY,
    METRICS,
    PROPS_PREFIX,
    TIME_UNITS,
    VISIT_DIMENSIONS,
)
from ..queries.request import MAX_LIMIT, QueryBody
from . import rate_limits

REF = "#/components/schemas/{name}"
# msgspec names components after the Python classes; these are the names clients see.
COMPONENT_NAMES = {"QueryBody": "Query", "_Pagination": "Pagination", "_Include": "Include"}
ERROR_STATUSES = {
    "400": "The query is wrong; `field` names the part at fault, e.g. `filters[0][1]`, or "
    "`site_id` when the key may not read that site.",
    "401": "The API key is missing, malformed, unknown or revoked.",
    "405": "Only POST is answered.",
    "413": "The body is larger than 64 KiB.",
    "415": "The body is not sent as application/json.",
    "429": "Too many requests for this key; `Retry-After` says how many seconds to wait.",
    "503": "The analytics store is not answering; try again later.",
}


def _dimension_names() -> list[str]:
    return [*EVENT_DIMENSIONS, *VISIT_DIMENSIONS, *(f"time:{unit}" for unit in TIME_UNITS)]


def _request_components() -> dict[str, Any]:
    (_,), components = msgspec.json.schema_components([QueryBody], ref_template=REF)
    text = msgspec.json.encode(components).decode()
    for old, new in COMPONENT_NAMES.items():
        text = text.replace(f'"{REF.format(name=old)}"', f'"{REF.format(name=new)}"')
    generated: dict[str, Any] = msgspec.json.decode(text)
    renamed = {COMPONENT_NAMES.get(name, name): schema for name, schema in generated.items()}
    for name, schema in renamed.items():
        schema["title"] = name
    _narrow(renamed)
    return renamed


def _narrow(components: dict[str, Any]) -> None:
    """Add what the query layer checks beyond the JSON types msgspec derives."""
    query = components["Query"]
    query["description"] = "A Stats API v2 query (modelled on Plausible's)."
    fields = query["properties"]
    fields["site_id"].update(minLength=1, description="The tracked site's domain.")
    fields["date_range"] = {
        "description": "A named period, or two inclusive ISO dates in the site's time zone.",
        "anyOf": [
            {"type": "string", "enum": list(DATE_RANGES)},
            {
                "type": "array",
                "prefixItems": [{"type": "string", "format": "date"}] * 2,
                "items": False,
                "minItems": 2,
            },
        ],
    }
    fields["metrics"].update(minItems=1, uniqueItems=True)
    fields["metrics"]["items"] = {"type": "string", "enum": list(METRICS)}
    fields["dimensions"].update(uniqueItems=True)
    fields["dimensions"]["items"] = {"$ref": REF.format(name="Dimension")}
    fields["filters"]["items"] = {"$ref": REF.format(name="Filter")}
    fields["order_by"]["description"] = "Metrics or dimensions of this query, each asc or desc."
    fields["order_by"]["items"] = {
        "type": "array",
        "prefixItems": [{"type": "string"}, {"type": "string", "enum": ["asc", "desc"]}],
        "items": False,
        "minItems": 2,
    }
    pagination = components["Pagination"]["properties"]
    pagination["limit"].update(minimum=1, maximum=MAX_LIMIT)
    pagination["offset"].update(minimum=0)
    comparison = components["Include"]["properties"]["comparison"]
    comparison["anyOf"] = [{"type": "string", "enum": list(COMPARISONS)}, {"type": "null"}]
    components["Dimension"] = {
        "anyOf": [
            {"type": "string", "enum": _dimension_names()},
            {
                "type": "string",
                "pattern": f"^{re.escape(PROPS_PREFIX)}.{{1,{MAX_PROP_KEY}}}$",
                "description": "A custom property of events, e.g. event:props:plan.",
            },
        ]
    }
    components["Filter"] = _filter_schema()


def _filter_schema() -> dict[str, Any]:
    def tuple_of(*items: dict[str, Any]) -> dict[str, Any]:
        return {"type": "array", "prefixItems": list(items), "items": False, "minItems": len(items)}

    filter_ref = {"$ref": REF.format(name="Filter")}
    strings = {"type": "array", "items": {"type": "string"}, "minItems": 1}
    return {
        "description": 'A condition ["is", "visit:source", ["Google"]], or and/or/not of filters, '
        'or a saved segment ["is", "segment", [id]].',
        "anyOf": [
            tuple_of(
                {"type": "string", "enum": list(FILTER_OPERATORS)},
                {"$ref": REF.format(name="Dimension")},
                strings,
            ),
            tuple_of(
                {"type": "string", "enum": ["and", "or"]},
                {"type": "array", "items": filter_ref, "minItems": 1},
            ),
            tuple_of({"const": "not"}, filter_ref),
            tuple_of(
                {"const": "is"},
                {"const": "segment"},
                {
                    "type": "array",
                    "prefixItems": [{"type": "integer"}],
                    "items": False,
                    "minItems": 1,
                },
            ),
        ],
    }


def _answer_components() -> dict[str, Any]:
    value = {"type": ["string", "number", "null"]}
    row: dict[str, Any] = {
        "type": "object",
        "properties": {
            "dimensions": {
                "type": "array",
                "items": value,
                "description": "In the order of the query's dimensions; times as ISO strings.",
            },
            "metrics": {
                "type": "array",
                "items": {"type": ["number", "null"]},
                "description": "In the order of the query's metrics.",
            },
        },
        "required": ["dimensions", "metrics"],
    }
    comparison_row = copy.deepcopy(row)
    comparison_row["properties"]["change"] = {
        "type": "array",
        "items": {"type": ["number", "null"]},
        "description": "Per metric, the change from the comparison period in percent.",
    }
    result = copy.deepcopy(row)
    result["properties"]["comparison"] = comparison_row
    return {
        "QueryResult": {
            "type": "object",
            "properties": {
                "results": {"type": "array", "items": result},
                "meta": {
                    "type": "object",
                    "properties": {
                        "time_labels": {"type": "array", "items": {"type": "string"}},
                        "total_rows": {"type": "integer", "minimum": 0},
                        "comparison_date_range": {
                            "type": "array",
                            "items": {"type": "string", "format": "date"},
                        },
                    },
                },
                "query": {
                    "type": "object",
                    "description": "The query as understood, date_range as two ISO dates.",
                },
            },
            "required": ["results", "meta", "query"],
        },
        "Error": {
            "type": "object",
            "properties": {
                "error": {"type": "string", "description": "“<field>: <message>”"},
                "field": {"type": "string"},
            },
            "required": ["error", "field"],
        },
    }


def _error_response(description: str, status: str) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": REF.format(name="Error")}}},
    }
    if status == "401":
        response["headers"] = {"WWW-Authenticate": {"schema": {"type": "string"}}}
    if status in ("429", "503"):
        response["headers"] = {"Retry-After": {"schema": {"type": "integer", "minimum": 1}}}
    return response


def openapi_schema(*, server_url: str) -> dict[str, Any]:
    burst, hourly = rate_limits.limits()
    return {
        "openapi": "3.1.0",
        "servers": [{"url": server_url}],
        "info": {
            "title": "Common Ground Stats API",
            "version": "2",
            "description": (
                "Aggregate web-analytics numbers for tracked sites, modelled on Plausible's "
                "Stats API v2. Authenticate with a personal API key (Settings → API keys in "
                "the admin) as `Authorization: Bearer <key>`; a key reads only the sites it "
                f"was made for. Each key may make {hourly.requests} requests an hour and "
                f"{burst.requests} a second."
            ),
        },
        "paths": {
            "/api/v2/query": {
                "post": {
                    "operationId": "query",
                    "summary": "Metrics for one site and period, broken down and filtered",
                    "security": [{"apiKey": []}],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {"schema": {"$ref": REF.format(name="Query")}}
                        },
                    },
                    "responses": {
                        "200": {
                            "description": "The answer.",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": REF.format(name="QueryResult")}
                                }
                            },
                        },
                        **{
                            status: _error_response(description, status)
                            for status, description in ERROR_STATUSES.items()
                        },
                    },
                }
            }
        },
        "components": {
            "schemas": {**_request_components(), **_answer_components()},
            "securitySchemes": {
                "apiKey": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "wagtail_<secret><checksum>",
                    "description": "A personal API key, shown once when it is created.",
                }
            },
        },
    }
