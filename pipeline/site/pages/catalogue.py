"""The data catalogue: one page per published table, the index, and the change log."""

from __future__ import annotations

from typing import Any

from pipeline.site import urls
from pipeline.site.datadict import MEDIA, dictionary, ordered_tables
from pipeline.site.dcat import JSONLD_FILE, TURTLE_FILE
from pipeline.site.models import FileInfo, Release, SiteData, TableInfo
from pipeline.site.page import Kit, Page
from pipeline.site.views import last_update_date


def download(info: FileInfo, kit: Kit) -> dict[str, Any]:
    """A file to download, with what a careful user checks: size and SHA-256."""
    return {"name": info.name, "format": info.format, "url": urls.data_file(info.name),
            "size": kit.f.size(info.bytes), "bytes": info.bytes, "sha256": info.sha256}


def dataset_ld(table: TableInfo, data: SiteData, kit: Kit) -> dict[str, Any]:
    """schema.org Dataset metadata of one table."""
    base = data.portal.site_url
    ld: dict[str, Any] = {
        "@context": "https://schema.org", "@type": "Dataset", "name": table.title[kit.lang],
        "description": table.description[kit.lang] or table.title[kit.lang],
        "url": base + kit.url(urls.table(table.name)), "inLanguage": kit.lang,
        "license": data.portal.licence_url or data.portal.licence_id,
        "creator": {"@type": "GovernmentOrganization", "name": data.portal.publisher or data.portal.name},
        "isAccessibleForFree": True,
        "variableMeasured": [f.name for f in table.fields],
        "distribution": [{"@type": "DataDownload", "encodingFormat": MEDIA.get(i.format, i.format),
                          "contentUrl": base + urls.data_file(i.name), "contentSize": f"{i.bytes} B",
                          "sha256": i.sha256} for i in table.files],
    }
    updated = last_update_date(data)
    if updated:
        ld["dateModified"] = updated.isoformat()
    ld["publisher"] = {"@type": "GovernmentOrganization", "name": data.portal.publisher or data.portal.name}
    ld["spatialCoverage"] = {"@type": "Place", "name": data.portal.city}
    if table.periods:
        ld["temporalCoverage"] = f"{table.periods[0]}/{table.periods[1]}"
    return ld


def table_page(table: TableInfo, data: SiteData, kit: Kit) -> Page:
    """One table's catalogue page."""
    portal = data.portal
    context = {
        "table": {"name": table.name, "title": table.title[kit.lang], "description": table.description[kit.lang],
                  "rows": kit.f.number(table.rows), "primary_key": ", ".join(table.primary_key),
                  "periods": [kit.f.month(p) for p in table.periods] if table.periods else None},
        "licence": {"title": portal.licence_title or portal.licence_id, "url": portal.licence_url or None},
        "downloads": [download(i, kit) for i in table.files],
        "package": download(data.package_file, kit) if data.package_file else None,
        "descriptor": urls.data_file("datapackage.json"),
        "fields": dictionary(table.fields, kit),
        "json_ld": dataset_ld(table, data, kit),
        "changelog": kit.url(urls.CHANGELOG),
    }
    crumbs = [(kit.t("data.title"), kit.url(urls.DATA))]
    return Page(urls.table(table.name), "data_table.html", table.title[kit.lang], "data", context, crumbs,
                description=table.description[kit.lang])


def index_page(data: SiteData, kit: Kit) -> Page:
    """All tables, the whole package and the machine-readable catalogue."""
    context = {
        "tables": [{"title": t.title[kit.lang], "description": t.description[kit.lang],
                    "url": kit.url(urls.table(t.name)), "rows": kit.f.number(t.rows)}
                   for t in ordered_tables(data)],
        "package": download(data.package_file, kit) if data.package_file else None,
        "descriptor": urls.data_file("datapackage.json"),
        "catalog": urls.data_file(JSONLD_FILE),
        "catalog_ttl": urls.data_file(TURTLE_FILE),
        "changelog": kit.url(urls.CHANGELOG),
        "releases_feed": kit.url(urls.feed("rilis-data")),
        "licence": {"title": data.portal.licence_title or data.portal.licence_id,
                    "url": data.portal.licence_url or None},
        "latest": kit.f.date(data.releases[0].date) if data.releases else None,
    }
    return Page(urls.DATA, "data_index.html", kit.t("data.title"), "data", context, description=kit.t("data.lede"))


def _item(item: dict[str, str], data: SiteData, kit: Kit) -> dict[str, Any]:
    """One change of a publish: what happened to which table, month and agency."""
    table, agency = item.get("table"), item.get("agency") or item.get("agency_code")
    return {
        "change": kit.label("change", item.get("change")),
        "table": kit.label("table", table) if table else "",
        "table_url": kit.url(urls.table(table)) if table in data.tables else None,
        "period": kit.f.month(item["period"]) if item.get("period") else "",
        "agency": kit.agency_link(data, agency) if agency else None,
        "revision": item.get("revision"),
    }


def _summary(items: tuple[dict[str, str], ...], kit: Kit) -> list[str]:
    """One line per (kind of change, table): how many files, which months, how many agencies."""
    groups: dict[tuple[str, str], list[dict[str, str]]] = {}
    for item in items:
        groups.setdefault((item.get("change", ""), item.get("table", "")), []).append(item)
    lines = []
    for (change, table), group in sorted(groups.items()):
        periods = sorted({i["period"] for i in group if i.get("period")})
        agencies = {i.get("agency") or i.get("agency_code") for i in group} - {None}
        if not periods:
            lines.append(kit.t("changelog.reference", change=kit.label("change", change),
                               table=kit.label("table", table)))
            continue
        span = kit.f.month(periods[0]) + (f" – {kit.f.month(periods[-1])}" if len(periods) > 1 else "")
        lines.append(kit.t("changelog.files", change=kit.label("change", change), n=len(group),
                           table=kit.label("table", table), months=span, agencies=len(agencies)))
    return lines


DETAIL_LIMIT = 40


def release_view(r: Release, data: SiteData, kit: Kit) -> dict[str, Any]:
    """A publish event: a summary always, the single changes when there are few."""
    return {"date": kit.f.date(r.date), "iso": r.date.isoformat(), "summary": _summary(r.items, kit),
            "changes": [_item(i, data, kit) for i in r.items] if len(r.items) <= DETAIL_LIMIT else [],
            "count": len(r.items)}


def changelog_page(data: SiteData, kit: Kit) -> Page:
    """Every publish that changed something, newest first."""
    releases = [release_view(r, data, kit) for r in data.releases]
    crumbs = [(kit.t("data.title"), kit.url(urls.DATA))]
    return Page(urls.CHANGELOG, "changelog.html", kit.t("changelog.title"), "data",
                {"releases": releases, "feed": kit.url(urls.feed("rilis-data"))}, crumbs)


def pages(data: SiteData, kit: Kit) -> list[Page]:
    """The catalogue index, a page per table, and the change log."""
    return [index_page(data, kit), *(table_page(t, data, kit) for t in ordered_tables(data)),
            changelog_page(data, kit)]
