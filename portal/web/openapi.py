"""/api/openapi.json: the portal's document, extended by the paths each package's manifest declares
(app.py puts them on `app.state.openapi_parts`)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from portal import __version__
from portal.web import home, search
from portal.web.permissions import PUBLIC
from portal.web.routing import route

# Every request with a NUL character is refused (portal.web.routing): say so in the document.
NO_NUL = "^[^\\u0000]*$"


def _refuse_nul_in_parameters(paths: dict[str, Any]) -> dict[str, Any]:
    """Free-text parameters get a pattern excluding NUL, unless a module gave a stricter one."""
    result: dict[str, Any] = {}
    for path, operations in paths.items():
        result[path] = {}
        for method, operation in operations.items():
            operation = dict(operation)
            params = []
            for param in operation.get("parameters", []):
                schema = param.get("schema", {})
                if schema.get("type") == "string" and not (
                    {"pattern", "format", "enum"} & set(schema)
                ):
                    param = {**param, "schema": {**schema, "pattern": NO_NUL}}
                params.append(param)
            if params:
                operation["parameters"] = params
            result[path][method] = operation
    return result


def build_document(
    base_url: str,
    module_paths: dict[str, Any],
    module_schemas: dict[str, Any],
    *,
    city_short_name: str = "la commune",
) -> dict[str, Any]:
    paths: dict[str, Any] = {**home.OPENAPI_PATHS, **search.OPENAPI_PATHS, **module_paths}
    schemas: dict[str, Any] = {**home.OPENAPI_SCHEMAS, **search.OPENAPI_SCHEMAS, **module_schemas}
    paths = _refuse_nul_in_parameters(paths)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": f"API du portail IA de {city_short_name}",
            "version": __version__,
            "description": "Données publiques du portail : charte, registre des systèmes d'IA, "
            "procès-verbaux du conseil municipal. Lecture seule, sans authentification.",
            "license": {"name": "Licence Ouverte / Open Licence 2.0"},
        },
        "servers": [{"url": base_url}],
        "paths": paths,
        "components": {"schemas": schemas},
    }


def openapi(request: Request) -> Response:
    state = request.app.state
    document = build_document(
        state.settings.base_url,
        *state.openapi_parts,
        city_short_name=state.settings.city.short_name,
    )
    return JSONResponse(document)


routes = [route("/api/openapi.json", openapi, permission=PUBLIC)]
