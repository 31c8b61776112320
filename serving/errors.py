"""One error body for every failure: ``{"error": {"code", "message", "details"}}``.

``code`` is stable (screens and clients branch on it), ``message`` says what is wrong
and how to fix it, ``details`` lists each problem of a rule set or request with its
JSON pointer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from segmentation.rules.validate import Issue


class ApiError(Exception):
    """A failure the caller can act on, with its HTTP status."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: Sequence[Mapping[str, str]] = (),
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.details, self.headers = list(details), dict(headers or {})


def issue_details(issues: Sequence[Issue], prefix: str = "") -> list[dict[str, str]]:
    """Validation issues as error details, their pointers under ``prefix``."""
    return [{"code": i.code, "pointer": prefix + i.pointer, "message": i.message} for i in issues]


def error_response(error: ApiError) -> JSONResponse:
    """The one error body, with the error's status and headers."""
    body = {"error": {"code": error.code, "message": error.message, "details": error.details}}
    return JSONResponse(body, status_code=error.status, headers=error.headers)


def install_error_handlers(app: FastAPI) -> None:
    """Answer every failure, FastAPI's own included, with the one error body."""

    @app.exception_handler(ApiError)
    async def api_error(_request: Request, error: ApiError) -> JSONResponse:
        return error_response(error)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_request: Request, error: RequestValidationError) -> JSONResponse:
        details = [
            {
                "code": "invalid_request",
                "pointer": "/" + "/".join(str(p) for p in e["loc"]),
                "message": e["msg"],
            }
            for e in error.errors()
        ]
        message = "the request is not valid: see details for each problem and where it is"
        return error_response(ApiError(422, "invalid_request", message, details))

    @app.exception_handler(HTTPException)
    async def http_error(_request: Request, error: HTTPException) -> JSONResponse:
        codes = {404: "not_found", 405: "method_not_allowed"}
        code = codes.get(error.status_code, "http_error")
        headers = getattr(error, "headers", None)
        return error_response(ApiError(error.status_code, code, str(error.detail), (), headers))
