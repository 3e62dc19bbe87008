"""Cross-app contract for the catalog: routes resolve to DRF's catalog namespace, and the OpenAPI
document declares every status code each catalog operation can return."""

import pytest
import yaml
from django.core.management import call_command
from django.urls import resolve, reverse

CATALOG_ROUTES = ["standards", "rails", "timbers", "chairs", "tracks"]


@pytest.mark.parametrize("route", CATALOG_ROUTES)
def test_catalog_paths_resolve_to_drf_catalog_namespace(route):
    basename = route.rstrip("s") if route != "rails" else "rail"
    list_url = reverse(f"catalog:{basename}-list")
    assert list_url == f"/api/{route}/"
    match = resolve(list_url)
    assert match.namespace == "catalog"
    pk = "8c1b7c3e-5f3e-4a8e-9c61-0d3f2a8a1b2c"
    assert resolve(f"/api/{route}/{pk}/").namespace == "catalog"
    assert resolve(f"/api/{route}/{pk}/duplicate/").url_name == f"{basename}-duplicate"


@pytest.fixture(scope="module")
def schema(tmp_path_factory):
    path = tmp_path_factory.mktemp("schema") / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(path))
    return yaml.safe_load(path.read_text())


@pytest.mark.parametrize("route", CATALOG_ROUTES)
def test_schema_declares_status_codes(schema, route):
    paths = schema["paths"]
    listing, item = paths[f"/api/{route}/"], paths[f"/api/{route}/{{id}}/"]
    assert {"200", "401", "422"} <= set(listing["get"]["responses"])
    assert {"201", "401", "422"} <= set(listing["post"]["responses"])
    assert {"200", "401", "404"} <= set(item["get"]["responses"])
    for method in ("put", "patch"):
        assert {"200", "401", "404", "422"} <= set(item[method]["responses"])
    assert {"204", "401", "404"} <= set(item["delete"]["responses"])
    if route != "tracks":
        assert "403" in item["patch"]["responses"] and "409" in item["delete"]["responses"]
    assert {"201", "401", "404"} <= set(paths[f"/api/{route}/{{id}}/duplicate/"]["post"]["responses"])
    params = {p["name"] for p in listing["get"]["parameters"]}
    assert {"page", "page_size", "ordering"} <= params
