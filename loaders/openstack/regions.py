"""Regions (from the service catalog), their aggregates folders, and the availability
zones that hold hosts (from each region's nova), as Calipso's ``ApiFetchRegions`` and
``ApiFetchAvailabilityZones`` placed them."""

from __future__ import annotations

from dataclasses import dataclass, field

from loaders.openstack.common import IDENTITY_SCOPE, add, fields_of, region_scope
from loaders.openstack.snapshot import ApiSnapshot, Doc
from loaders.report import LoadReport
from loaders.scan.tree import Tree

ZONES_TEXT = "Availability Zones"


@dataclass
class Regions:
    """What later parts hang under: region names, and each region's zones by nova's name
    (-> the zone's id in the tree)."""

    names: list[str] = field(default_factory=list)
    zones: dict[str, dict[str, str]] = field(default_factory=dict)


def write_regions(tree: Tree, api: ApiSnapshot, report: LoadReport) -> Regions:
    part = report.part("regions")
    root = tree.folder(IDENTITY_SCOPE, None, "regions", "regions_folder", "Regions")
    regions = Regions()
    for name in api.region_names():
        part.read += 1
        scope = region_scope(name)
        doc = add(tree, report, "regions", f"region {name}", scope, "region", name, name,
                  root["id"], {"endpoints": fields_of(endpoints(api, name))})
        if doc is None:
            continue
        regions.names.append(name)
        tree.folder(scope, name, "aggregates", "aggregates_folder", "Aggregates")
    _write_zones(tree, api, regions, report)
    return regions


def endpoints(api: ApiSnapshot, region: str) -> Doc:
    """``{service name: {id, adminURL, internalURL, publicURL, service_type}}``: the v2
    catalog entry Calipso kept, made from the v3 catalog's endpoints of ``region``."""
    found: Doc = {}
    for service in api.catalog:
        urls = {f"{e.get('interface')}URL": e.get("url")
                for e in service.get("endpoints") or []
                if (e.get("region_id") or e.get("region") or "No-Region") == region}
        if not urls:
            continue
        name = service.get("name") or service.get("type") or "?"
        found[str(name)] = {"id": service.get("id"), **dict(sorted(urls.items())),
                            "service_type": service.get("type")}
    return found


def _write_zones(tree: Tree, api: ApiSnapshot, regions: Regions, report: LoadReport) -> None:
    """A zone name several regions' novas use (controllers sit in ``internal`` in every
    region) would give two objects one id: there its id is ``<zone>-<region>``."""
    used: dict[str, set[str]] = {}
    for region, compute in api.compute.items():
        for zone in compute.zones:
            if zone.get("hosts"):
                used.setdefault(str(zone.get("zoneName")), set()).add(region)
    for region in regions.names:
        compute = api.compute.get(region)
        if compute is None:
            continue
        scope = region_scope(region)
        found = regions.zones.setdefault(region, {})
        for zone in compute.zones:
            name = str(zone.get("zoneName") or "")
            if not zone.get("hosts") or not name:
                continue
            report.part("zones").read += 1
            zone_id = f"{name}-{region}" if len(used.get(name, ())) > 1 else name
            folder = tree.dynamic_folder(scope, region, f"{region}-availability_zones",
                                         "availability_zones_folder", ZONES_TEXT)
            available = bool((zone.get("zoneState") or {}).get("available", False))
            doc = add(tree, report, "zones", f"zone {name} of region {region}", scope,
                      "availability_zone", zone_id, zone_id, folder["id"],
                      {"available": available, "parent_text": ZONES_TEXT})
            if doc is not None:
                found[name] = zone_id
