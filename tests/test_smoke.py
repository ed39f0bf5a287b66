"""The first thing a newcomer does, end to end through the CLI."""

import json

from conftest import intake_args


def test_consultant_intake_list_show(team):
    r = team(*intake_args(), "--json")
    assert r.exit_code == 0, r.output
    case = json.loads(r.stdout)
    assert case["status"] == "active" and case["consultant"] == "Mette Holm"
    listed = json.loads(team("list", "--json").stdout)
    assert [row["id"] for row in listed] == [case["id"]]
    shown = json.loads(team("show", str(case["id"]), "--json").stdout)
    assert shown["name"] == "Sofie Jensen" and shown["track"] == "ips-like"
