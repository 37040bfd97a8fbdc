"""The checks Discord applies to what the bot sends, so a payload Discord would refuse fails here.

Message content and embed limits, and the shape of registered application commands; each
returns Discord's field errors (empty when valid).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from .protocol import field_error

MAX_CONTENT_LENGTH = 2000
_COMMAND_NAME_RE = re.compile(r"^[-_\w]{1,32}$")


def validate_embeds(embeds: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    if len(embeds) > 10:
        return field_error("BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.")
    total = 0
    limits = {"title": 256, "description": 4096}
    for i, embed in enumerate(embeds):
        entry: dict[str, Any] = {}
        for key, limit in limits.items():
            text = embed.get(key) or ""
            total += len(text)
            if len(text) > limit:
                entry[key] = field_error(
                    "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length."
                )
        footer = (embed.get("footer") or {}).get("text") or ""
        author = (embed.get("author") or {}).get("name") or ""
        total += len(footer) + len(author)
        if len(footer) > 2048:
            entry["footer"] = {
                "text": field_error("BASE_TYPE_MAX_LENGTH", "Must be 2048 or fewer.")
            }
        if len(author) > 256:
            entry["author"] = {"name": field_error("BASE_TYPE_MAX_LENGTH", "Must be 256 or fewer.")}
        fields = embed.get("fields") or []
        if len(fields) > 25:
            entry["fields"] = field_error("BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
        field_errors: dict[str, Any] = {}
        for j, f in enumerate(fields):
            name, value = str(f.get("name", "")), str(f.get("value", ""))
            total += len(name) + len(value)
            if not name or not value or len(name) > 256 or len(value) > 1024:
                field_errors[str(j)] = field_error(
                    "BASE_TYPE_BAD_LENGTH", "Field name 1-256, value 1-1024."
                )
        if field_errors and "fields" not in entry:
            entry["fields"] = field_errors
        if entry:
            errors[str(i)] = entry
    if total > 6000 and not errors:
        errors["0"] = field_error("BASE_TYPE_MAX_LENGTH", "Embed size exceeds maximum size of 6000")
    return errors


def validate_command(cmd: Mapping[str, Any]) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    ctype = int(cmd.get("type", 1))
    name = str(cmd.get("name", ""))
    if ctype == 1:
        if not _COMMAND_NAME_RE.fullmatch(name) or name != name.lower():
            errors["name"] = field_error(
                "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid"
            )
        description = str(cmd.get("description", ""))
        if not 1 <= len(description) <= 100:
            errors["description"] = field_error(
                "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length."
            )
        option_errors = _validate_options(cmd.get("options") or [])
        if option_errors:
            errors["options"] = option_errors
    elif not 1 <= len(name) <= 32:
        errors["name"] = field_error("BASE_TYPE_BAD_LENGTH", "Must be between 1 and 32 in length.")
    return errors


def _validate_options(options: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    if len(options) > 25:
        return field_error("BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
    errors: dict[str, Any] = {}
    seen_optional = False
    for i, opt in enumerate(options):
        entry: dict[str, Any] = {}
        name = str(opt.get("name", ""))
        if not _COMMAND_NAME_RE.fullmatch(name) or name != name.lower():
            entry["name"] = field_error(
                "APPLICATION_COMMAND_INVALID_NAME", "Option name is invalid"
            )
        if not 1 <= len(str(opt.get("description", ""))) <= 100:
            entry["description"] = field_error(
                "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length."
            )
        if len(opt.get("choices") or []) > 25:
            entry["choices"] = field_error("BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
        if opt.get("type") in (1, 2):
            nested = _validate_options(opt.get("options") or [])
            if nested:
                entry["options"] = nested
        elif opt.get("required"):
            if seen_optional:
                entry["required"] = field_error(
                    "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                    "Required options must be placed before non-required options",
                )
        else:
            seen_optional = True
        if entry:
            errors[str(i)] = entry
    return errors
