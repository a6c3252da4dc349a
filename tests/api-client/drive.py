"""One whole appointment and one double reading, driven through a Python client that
openapi-python-client generated from the service's own OpenAPI document.

Run by `crates/web/tests/api_client.rs`, which starts the service, writes the document,
generates the client package and passes everything else in the environment:

    SCREENING_CLIENT_PACKAGE  the generated package's import name (on PYTHONPATH)
    SCREENING_BASE_URL        the service's /api/v1 base URL
    SCREENING_TOKEN_MAMMOGRAPHER, SCREENING_TOKEN_READER_A, SCREENING_TOKEN_READER_B
    SCREENING_APPOINTMENT     a scheduled appointment today

Every request body is built through the generated model of its operation and every
response is parsed by the generated code: a schema the generator cannot type, or a body
the server sends that the schema does not describe, fails here. It prints one JSON line:
what the service said at the end.
"""

import importlib
import json
import os
import pkgutil
import sys
import typing
from http import HTTPStatus


def operations(package):
    """Every generated operation module, by operationId, whatever tag it is under."""
    found = {}
    api = importlib.import_module(f"{package}.api")
    for tag in pkgutil.iter_modules(api.__path__):
        tag_module = importlib.import_module(f"{package}.api.{tag.name}")
        for op in pkgutil.iter_modules(tag_module.__path__):
            found[op.name] = importlib.import_module(f"{package}.api.{tag.name}.{op.name}")
    return found


def body_class(module):
    """The generated model class the operation takes as its body (None when it takes none)."""
    hint = typing.get_type_hints(module.sync_detailed).get("body")
    if hint is None:
        return None
    for candidate in typing.get_args(hint) or (hint,):
        if hasattr(candidate, "from_dict"):
            return candidate
    return None


class Driver:
    def __init__(self, package, base_url):
        self.package = package
        self.client_module = importlib.import_module(f"{package}.client")
        self.base_url = base_url
        self.ops = operations(package)

    def client(self, token):
        return self.client_module.AuthenticatedClient(
            base_url=self.base_url, token=token, raise_on_unexpected_status=False
        )

    def call(self, client, operation, body=None, expect=HTTPStatus.OK, **params):
        module = self.ops.get(operation)
        if module is None:
            sys.exit(f"the generated client has no operation {operation!r}: {sorted(self.ops)}")
        kwargs = dict(params)
        if body is not None:
            model = body_class(module)
            if model is None:
                sys.exit(f"{operation}: the generated client takes no typed body")
            kwargs["body"] = model.from_dict(body)
        response = module.sync_detailed(client=client, **kwargs)
        if response.status_code != expect:
            sys.exit(
                f"{operation}: expected {int(expect)}, got {int(response.status_code)}: "
                f"{response.content.decode(errors='replace')}"
            )
        parsed = response.parsed
        if parsed is None and response.content and response.status_code < 300:
            sys.exit(f"{operation}: the generated client could not parse the response")
        return parsed

    @staticmethod
    def plain(value):
        """A generated model (or a list of them) as plain JSON data."""
        if hasattr(value, "to_dict"):
            return value.to_dict()
        if isinstance(value, list):
            return [Driver.plain(v) for v in value]
        return value


def whole_appointment(d, client, appointment):
    d.call(client, "check_in", id=appointment)
    d.call(client, "appointment_action", body={"action": "start"}, id=appointment)
    workflow = d.plain(d.call(client, "get_workflow", id=appointment))
    version = workflow["appointment"]["version"]
    saved = d.plain(d.call(client, "confirm_identity", body={"expected_version": version}, id=appointment))
    medical = {
        "mammograms": [],
        "history": [],
        "symptoms": [],
        "features": [],
        "density": {"hrt_started_since_last_screening": "no", "pregnant_or_breastfeeding": "no"},
        "other": "",
        "reviewed": [
            "mammogram_history",
            "medical_history",
            "symptoms",
            "breast_features",
            "breast_density_factors",
            "other_medical_information",
        ],
    }
    saved = d.plain(
        d.call(
            client,
            "save_medical",
            body={"medical": medical, "expected_version": saved["version"]},
            id=appointment,
        )
    )
    saved = d.plain(
        d.call(
            client,
            "save_images",
            body={"record": {"standard_set": "yes"}, "expected_version": saved["version"]},
            id=appointment,
        )
    )
    ended = d.plain(
        d.call(client, "complete", body={"expected_version": saved["version"]}, id=appointment)
    )
    return ended


def double_reading(d, reader_a, reader_b, appointment):
    cases = d.plain(d.call(reader_a, "cases", state="awaiting_first_read"))
    case = next((c["id"] for c in cases if c["appointment_id"] == appointment), None)
    if case is None:
        sys.exit("no reading case was opened for the screened appointment")
    first = d.plain(
        d.call(reader_a, "record_read", body={"opinion": {"opinion": "normal"}}, expect=HTTPStatus.CREATED, id=case)
    )
    d.call(reader_a, "finalise")
    second = d.plain(
        d.call(reader_b, "record_read", body={"opinion": {"opinion": "normal"}}, expect=HTTPStatus.CREATED, id=case)
    )
    d.call(reader_b, "finalise")
    seen = d.plain(d.call(reader_b, "get_case", id=case))
    return case, first, second, seen


def main():
    env = os.environ
    d = Driver(env["SCREENING_CLIENT_PACKAGE"], env["SCREENING_BASE_URL"])
    mammographer = d.client(env["SCREENING_TOKEN_MAMMOGRAPHER"])
    reader_a = d.client(env["SCREENING_TOKEN_READER_A"])
    reader_b = d.client(env["SCREENING_TOKEN_READER_B"])
    appointment = env["SCREENING_APPOINTMENT"]
    ended = whole_appointment(d, mammographer, appointment)
    case, first, second, seen = double_reading(d, reader_a, reader_b, appointment)
    print(
        json.dumps(
            {
                "appointment_status": ended.get("status"),
                "case": case,
                "first_slot": first.get("slot"),
                "second_slot": second.get("slot"),
                "case_state": seen["case"]["state"],
                "outcome": seen["case"].get("outcome"),
                "reads": len(seen["reads"]),
            }
        )
    )


if __name__ == "__main__":
    main()
