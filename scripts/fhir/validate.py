#!/usr/bin/env python3
"""Validates FHIR message Bundles (JSON files) with fhir.resources, a validator nobody here
wrote. Used by crates/gp-message/tests/validate.rs; run by hand as

    .venv/bin/python scripts/fhir/validate.py bundle.json [more.json ...]

fhir.resources 8 models FHIR R5 by default and R4B (4.3.0) in fhir.resources.R4B; it has no
R4 (4.0.1) models. The resources used here (Bundle, MessageHeader, DiagnosticReport,
Observation, Patient, Organization, OperationOutcome) are structurally the same in R4 and
R4B, so R4B is the check. It checks structure: element names (unknown ones are refused),
types, cardinality, required elements and the formats of primitives (id, instant, date,
uri, base64Binary, positiveInt).

It does not check code values against their required bindings, nor the Bundle invariants,
so this script adds those few for the elements our messages use: the status and response
codes, a message's first entry being its MessageHeader, unique fullUrls, and every
urn:uuid reference resolving to an entry.

Prints one line per file; exits 1 with the errors if any file fails, 2 if fhir.resources
is missing.
"""

import json
import sys

try:
    import fhir.resources
    from fhir.resources.R4B import get_fhir_model_class
except ImportError as e:  # pragma: no cover - the message is the point
    print(
        f"fhir.resources is not installed ({e}): run scripts/install-test-deps.sh",
        file=sys.stderr,
    )
    sys.exit(2)

# Required bindings (FHIR R4) of the coded elements our messages carry.
REQUIRED_CODES = {
    ("Bundle", "type"): {
        "document", "message", "transaction", "transaction-response", "batch",
        "batch-response", "history", "searchset", "collection",
    },
    ("DiagnosticReport", "status"): {
        "registered", "partial", "preliminary", "final", "amended", "corrected",
        "appended", "cancelled", "entered-in-error", "unknown",
    },
    ("Observation", "status"): {
        "registered", "preliminary", "final", "amended", "corrected", "cancelled",
        "entered-in-error", "unknown",
    },
}
RESPONSE_CODES = {"ok", "transient-error", "fatal-error"}
NAME_USES = {"usual", "official", "temp", "nickname", "anonymous", "old", "maiden"}
IDENTIFIER_USES = {"usual", "official", "temp", "secondary", "old"}


def references(value):
    """Every Reference.reference string inside a JSON value."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "reference" and isinstance(item, str):
                yield item
            else:
                yield from references(item)
    elif isinstance(value, list):
        for item in value:
            yield from references(item)


def identifier_uses(value):
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "identifier":
                for ident in item if isinstance(item, list) else [item]:
                    if isinstance(ident, dict) and "use" in ident:
                        yield ident["use"]
            yield from identifier_uses(item)
    elif isinstance(value, list):
        for item in value:
            yield from identifier_uses(item)


def check_codes(resource, errors, where):
    kind = resource.get("resourceType")
    for (rtype, element), allowed in REQUIRED_CODES.items():
        if kind == rtype and element in resource and resource[element] not in allowed:
            errors.append(f"{where}: {rtype}.{element} {resource[element]!r} is not a valid code")
    if kind == "MessageHeader" and "response" in resource:
        code = resource["response"].get("code")
        if code not in RESPONSE_CODES:
            errors.append(f"{where}: MessageHeader.response.code {code!r} is not a valid code")
    if kind == "Patient":
        for name in resource.get("name", []):
            if "use" in name and name["use"] not in NAME_USES:
                errors.append(f"{where}: HumanName.use {name['use']!r} is not a valid code")
    for use in identifier_uses(resource):
        if use not in IDENTIFIER_USES:
            errors.append(f"{where}: Identifier.use {use!r} is not a valid code")


def validate(path):
    """The errors in one file (an empty list when it is valid), and its entry count."""
    errors = []
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError) as e:
        return [f"cannot read JSON: {e}"], 0
    if not isinstance(data, dict) or data.get("resourceType") != "Bundle":
        return ["not a FHIR Bundle"], 0

    try:
        get_fhir_model_class("Bundle").model_validate(data)
    except Exception as e:  # pydantic.ValidationError, or a model lookup failure
        errors.append(f"Bundle: {e}")

    entries = data.get("entry") or []
    full_urls = [e.get("fullUrl") for e in entries if isinstance(e, dict)]
    for i, entry in enumerate(entries):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict):
            errors.append(f"entry {i}: no resource")
            continue
        kind = resource.get("resourceType", "?")
        where = f"entry {i} ({kind})"
        try:
            get_fhir_model_class(kind).model_validate(resource)
        except Exception as e:
            errors.append(f"{where}: {e}")
        check_codes(resource, errors, where)

    check_codes(data, errors, "Bundle")
    if data.get("type") == "message":
        first = entries[0].get("resource", {}) if entries else {}
        if first.get("resourceType") != "MessageHeader":
            errors.append("a message Bundle's first entry must be its MessageHeader")
    duplicates = {u for u in full_urls if u and full_urls.count(u) > 1}
    if duplicates:
        errors.append(f"fullUrl used twice: {sorted(duplicates)}")
    for ref in references(data.get("entry", [])):
        if ref.startswith("urn:uuid:") and ref not in full_urls:
            errors.append(f"reference {ref} does not resolve to an entry")
    return errors, len(entries)


def main(paths):
    if not paths:
        print("usage: validate.py BUNDLE.json [...]", file=sys.stderr)
        return 2
    valid = 0
    for path in paths:
        errors, count = validate(path)
        if errors:
            print(f"INVALID {path}:", file=sys.stderr)
            for error in errors:
                print(f"  {error}", file=sys.stderr)
        else:
            valid += 1
            print(f"valid {path} ({count} entries)")
    print(
        f"fhir.resources {fhir.resources.__version__} (FHIR R4B "
        f"{fhir.resources.R4B.__fhir_version__}): {valid} of {len(paths)} valid"
    )
    return 0 if valid == len(paths) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
