//! CSV tables and the SVG map, built as strings so the CLI, the API and
//! tests can all use them; the caller decides where they go.
//!
//! The map is hand-written SVG (no plotting dependency): an equirectangular
//! projection centred on the data, cities as dots sized by demand and
//! coloured by the limit they are reached within, bases as markers, and a
//! legend. Every dot and marker has a `<title>`, so a browser shows the
//! city or base on hover.

use std::fmt::Write as _;

use super::fleet::{BaseKind, Fleet};
use super::replay::ReplayReport;
use super::report::{CityCoverage, CoverageReport};
use super::siting::SitingReport;

const WIDTH: f64 = 1000.0;
const MARGIN: f64 = 30.0;
const LEGEND_HEIGHT: f64 = 120.0;
const URGENT_COLOUR: &str = "#1a9850";
const STANDARD_COLOUR: &str = "#fdae61";
const BEYOND_COLOUR: &str = "#d73027";
const STATION_COLOUR: &str = "#253494";
const HUB_COLOUR: &str = "#000000";
const PROPOSED_COLOUR: &str = "#7b3294";

/// A base on the map.
#[derive(Debug, Clone, PartialEq)]
pub struct Marker {
    pub lat: f64,
    pub lon: f64,
    pub kind: BaseKind,
    pub label: String,
    /// Drawn with a red outline: e.g. a base that needs more engineers.
    pub flagged: bool,
}

/// Markers for a fleet's staffed bases.
pub fn fleet_markers(fleet: &Fleet) -> Vec<Marker> {
    fleet
        .staffed()
        .map(|base| Marker {
            lat: base.location.lat(),
            lon: base.location.lon(),
            kind: base.kind,
            label: format!(
                "{} {} ({} engineers)",
                base.id,
                base.name,
                base.engineers.len()
            ),
            flagged: false,
        })
        .collect()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The map: `title` on top, `note` under it (e.g. the settings).
pub fn svg_map(
    title: &str,
    note: &str,
    report: &CoverageReport,
    markers: &[Marker],
    flagged_meaning: Option<&str>,
) -> String {
    let cities = &report.cities;
    let points = cities
        .iter()
        .map(|c| (c.lat, c.lon))
        .chain(markers.iter().map(|m| (m.lat, m.lon)));
    let (mut lat_min, mut lat_max, mut lon_min, mut lon_max) =
        (90.0f64, -90.0f64, 180.0f64, -180.0f64);
    for (lat, lon) in points {
        lat_min = lat_min.min(lat);
        lat_max = lat_max.max(lat);
        lon_min = lon_min.min(lon);
        lon_max = lon_max.max(lon);
    }
    if lat_min > lat_max {
        (lat_min, lat_max, lon_min, lon_max) = (0.0, 1.0, 0.0, 1.0);
    }
    // Equirectangular with the standard parallel at the middle latitude,
    // so shapes at China's latitudes are not stretched east-west.
    let squash = ((lat_min + lat_max) / 2.0).to_radians().cos().max(0.1);
    let span_x = ((lon_max - lon_min) * squash).max(1e-6);
    let span_y = (lat_max - lat_min).max(1e-6);
    let scale = (WIDTH - 2.0 * MARGIN) / span_x;
    let map_height = span_y * scale;
    let top = 70.0;
    let height = top + map_height + 2.0 * MARGIN + LEGEND_HEIGHT;
    let x = |lon: f64| MARGIN + (lon - lon_min) * squash * scale;
    let y = |lat: f64| top + MARGIN + (lat_max - lat) * scale;

    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height:.0}" viewBox="0 0 {WIDTH} {height:.0}" font-family="sans-serif">"#
    );
    let _ = writeln!(
        svg,
        "<rect width=\"100%\" height=\"100%\" fill=\"#f7f7f2\"/>"
    );
    let _ = writeln!(
        svg,
        r#"<text x="{MARGIN}" y="30" font-size="20" font-weight="bold">{}</text>"#,
        escape(title)
    );
    let _ = writeln!(
        svg,
        r##"<text x="{MARGIN}" y="52" font-size="13" fill="#444">{}</text>"##,
        escape(note)
    );
    let largest = cities
        .iter()
        .map(|c| c.demand)
        .fold(0.0f64, f64::max)
        .max(1e-9);
    // Big cities first so small ones stay visible on top.
    let mut order: Vec<&CityCoverage> = cities.iter().collect();
    order.sort_by(|a, b| b.demand.total_cmp(&a.demand));
    let _ = writeln!(svg, r#"<g id="cities" fill-opacity="0.8">"#);
    for city in order {
        let colour = city_colour(city);
        let radius = 2.0 + 8.0 * (city.demand / largest).sqrt();
        let minutes = city
            .nearest_minutes
            .map_or("no base reaches it".to_string(), |m| {
                format!(
                    "{:.0} min from {}",
                    m,
                    city.nearest_base.as_deref().unwrap_or("?")
                )
            });
        let _ = writeln!(
            svg,
            r#"<circle cx="{:.1}" cy="{:.1}" r="{radius:.1}" fill="{colour}"><title>{} ({}): demand {:.0}, {}</title></circle>"#,
            x(city.lon),
            y(city.lat),
            escape(&city.name),
            escape(&city.province),
            city.demand,
            escape(&minutes)
        );
    }
    let _ = writeln!(svg, "</g>");
    let _ = writeln!(svg, r#"<g id="bases">"#);
    for marker in markers {
        let (mx, my) = (x(marker.lon), y(marker.lat));
        let stroke = if marker.flagged {
            r##" stroke="#e31a1c" stroke-width="2""##
        } else {
            ""
        };
        let title = format!("<title>{}</title>", escape(&marker.label));
        let _ = match marker.kind {
            BaseKind::Station => writeln!(
                svg,
                r#"<rect x="{:.1}" y="{:.1}" width="4" height="4" fill="{STATION_COLOUR}"{stroke}>{title}</rect>"#,
                mx - 2.0,
                my - 2.0
            ),
            BaseKind::Hub => writeln!(
                svg,
                r#"<polygon points="{:.1},{:.1} {:.1},{:.1} {:.1},{:.1}" fill="{HUB_COLOUR}"{stroke}>{title}</polygon>"#,
                mx,
                my - 7.0,
                mx - 6.0,
                my + 5.0,
                mx + 6.0,
                my + 5.0
            ),
            BaseKind::Proposed => writeln!(
                svg,
                r#"<g>{title}<circle cx="{mx:.1}" cy="{my:.1}" r="9" fill="none" stroke="{PROPOSED_COLOUR}" stroke-width="3"/><circle cx="{mx:.1}" cy="{my:.1}" r="2.5" fill="{PROPOSED_COLOUR}"/></g>"#
            ),
        };
    }
    let _ = writeln!(svg, "</g>");

    // Legend.
    let legend_top = top + map_height + 2.0 * MARGIN;
    let settings = &report.settings;
    let mut entries: Vec<(String, String)> = vec![
        (
            format!(r#"<circle r="6" fill="{URGENT_COLOUR}"/>"#),
            format!("city reached within {}", settings.urgent),
        ),
        (
            format!(r#"<circle r="6" fill="{STANDARD_COLOUR}"/>"#),
            format!("within {} only", settings.standard),
        ),
        (
            format!(r#"<circle r="6" fill="{BEYOND_COLOUR}"/>"#),
            format!("beyond {}", settings.standard),
        ),
        (
            format!(r#"<rect x="-2" y="-2" width="4" height="4" fill="{STATION_COLOUR}"/>"#),
            "service station".into(),
        ),
        (
            format!(r#"<polygon points="0,-7 -6,5 6,5" fill="{HUB_COLOUR}"/>"#),
            "regional hub".into(),
        ),
        (
            format!(
                r#"<circle r="9" fill="none" stroke="{PROPOSED_COLOUR}" stroke-width="3"/><circle r="2.5" fill="{PROPOSED_COLOUR}"/>"#
            ),
            "proposed station".into(),
        ),
    ];
    if let Some(meaning) = flagged_meaning {
        entries.push((
            r##"<rect x="-3" y="-3" width="6" height="6" fill="#253494" stroke="#e31a1c" stroke-width="2"/>"##
                .into(),
            meaning.to_string(),
        ));
    }
    let _ = writeln!(
        svg,
        r##"<g id="legend" font-size="13"><rect x="{MARGIN}" y="{legend_top:.0}" width="{:.0}" height="{:.0}" fill="white" stroke="#999"/>"##,
        WIDTH - 2.0 * MARGIN,
        LEGEND_HEIGHT - 10.0
    );
    for (index, (symbol, text)) in entries.iter().enumerate() {
        let column = (index % 3) as f64;
        let row = (index / 3) as f64;
        let lx = MARGIN + 20.0 + column * 310.0;
        let ly = legend_top + 25.0 + row * 28.0;
        let _ = writeln!(
            svg,
            r#"<g transform="translate({lx:.0},{ly:.0})">{symbol}</g><text x="{:.0}" y="{:.0}">{}</text>"#,
            lx + 16.0,
            ly + 4.5,
            escape(text)
        );
    }
    let _ = writeln!(
        svg,
        r##"<text x="{:.0}" y="{:.0}" fill="#666">dot area ∝ demand; equirectangular lon/lat; lead time {} included</text>"##,
        MARGIN + 20.0,
        legend_top + 25.0 + 2.0 * 28.0 + 8.0,
        settings.lead_time
    );
    let _ = writeln!(svg, "</g>\n</svg>");
    svg
}

fn city_colour(city: &CityCoverage) -> &'static str {
    if city.within_urgent {
        URGENT_COLOUR
    } else if city.within_standard {
        STANDARD_COLOUR
    } else {
        BEYOND_COLOUR
    }
}

fn csv_string(write: impl FnOnce(&mut csv::Writer<&mut Vec<u8>>) -> csv::Result<()>) -> String {
    let mut bytes = Vec::new();
    {
        let mut writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(&mut bytes);
        write(&mut writer).expect("writing CSV to memory cannot fail");
        writer.flush().expect("flushing to memory cannot fail");
    }
    String::from_utf8(bytes).expect("CSV of UTF-8 text is UTF-8")
}

fn minutes(value: Option<f64>) -> String {
    value.map_or(String::new(), |m| format!("{m:.1}"))
}

/// One row per city; with `after`, the same columns again for the changed
/// network.
pub fn cities_csv(before: &CoverageReport, after: Option<&CoverageReport>) -> String {
    csv_string(|writer| {
        let mut header = vec![
            "adcode",
            "name",
            "province",
            "region",
            "lat",
            "lon",
            "demand",
            "has_base",
            "nearest_base",
            "nearest_minutes",
            "within_standard",
            "within_urgent",
        ];
        if after.is_some() {
            header.extend([
                "after_nearest_base",
                "after_nearest_minutes",
                "after_within_standard",
                "after_within_urgent",
            ]);
        }
        writer.write_record(&header)?;
        for (index, city) in before.cities.iter().enumerate() {
            let mut record = vec![
                city.adcode.to_string(),
                city.name.clone(),
                city.province.clone(),
                city.region.to_string(),
                format!("{:.5}", city.lat),
                format!("{:.5}", city.lon),
                format!("{:.0}", city.demand),
                city.has_base.to_string(),
                city.nearest_base.clone().unwrap_or_default(),
                minutes(city.nearest_minutes),
                city.within_standard.to_string(),
                city.within_urgent.to_string(),
            ];
            if let Some(changed) = after.and_then(|a| a.cities.get(index)) {
                record.extend([
                    changed.nearest_base.clone().unwrap_or_default(),
                    minutes(changed.nearest_minutes),
                    changed.within_standard.to_string(),
                    changed.within_urgent.to_string(),
                ]);
            }
            writer.write_record(&record)?;
        }
        Ok(())
    })
}

/// One row per area (nation, regions, provinces) with both limits.
pub fn areas_csv(before: &CoverageReport, after: Option<&CoverageReport>) -> String {
    csv_string(|writer| {
        let mut header = vec![
            "level",
            "name",
            "region",
            "cities",
            "cities_with_base",
            "demand",
            "standard_share",
            "urgent_share",
        ];
        if after.is_some() {
            header.extend(["after_standard_share", "after_urgent_share"]);
        }
        writer.write_record(&header)?;
        let levels = |report: &CoverageReport| {
            std::iter::once(("national", report.national.clone()))
                .chain(report.regions.iter().map(|a| ("region", a.clone())))
                .chain(report.provinces.iter().map(|a| ("province", a.clone())))
                .collect::<Vec<_>>()
        };
        let after_rows = after.map(levels);
        for (index, (level, area)) in levels(before).into_iter().enumerate() {
            let mut record = vec![
                level.to_string(),
                area.name.clone(),
                area.region.map(|r| r.to_string()).unwrap_or_default(),
                area.cities.to_string(),
                area.cities_with_base.to_string(),
                format!("{:.0}", area.demand),
                format!("{:.4}", area.standard_share),
                format!("{:.4}", area.urgent_share),
            ];
            if let Some(rows) = &after_rows {
                let changed = &rows[index].1;
                record.extend([
                    format!("{:.4}", changed.standard_share),
                    format!("{:.4}", changed.urgent_share),
                ]);
            }
            writer.write_record(&record)?;
        }
        Ok(())
    })
}

pub fn sites_csv(report: &SitingReport) -> String {
    csv_string(|writer| {
        writer.write_record([
            "rank",
            "id",
            "adcode",
            "name",
            "province",
            "region",
            "lat",
            "lon",
            "new_demand_within",
        ])?;
        for (rank, site) in report.sites.iter().enumerate() {
            writer.write_record([
                (rank + 1).to_string(),
                site.id.clone(),
                site.adcode.to_string(),
                site.name.clone(),
                site.province.clone(),
                site.region.to_string(),
                format!("{:.5}", site.lat),
                format!("{:.5}", site.lon),
                site.new_demand_within
                    .map_or(String::new(), |d| format!("{d:.0}")),
            ])?;
        }
        Ok(())
    })
}

pub fn replay_regions_csv(report: &ReplayReport) -> String {
    csv_string(|writer| {
        writer.write_record([
            "region",
            "engineers",
            "tickets",
            "assigned",
            "on_time",
            "on_time_share",
            "attainable",
            "on_time_share_of_attainable",
            "key_tickets",
            "key_on_time",
            "solve_seconds",
        ])?;
        for stats in report
            .regions
            .iter()
            .chain(std::iter::once(&report.national))
        {
            writer.write_record([
                stats.region.map_or("all".to_string(), |r| r.to_string()),
                stats.engineers.to_string(),
                stats.tickets.to_string(),
                stats.assigned.to_string(),
                stats.on_time.to_string(),
                format!("{:.4}", stats.on_time_share),
                stats.attainable.to_string(),
                format!("{:.4}", stats.on_time_share_of_attainable),
                stats.key_tickets.to_string(),
                stats.key_on_time.to_string(),
                format!("{:.2}", stats.solve_seconds),
            ])?;
        }
        Ok(())
    })
}

pub fn replay_bases_csv(report: &ReplayReport) -> String {
    csv_string(|writer| {
        writer.write_record([
            "id",
            "kind",
            "name",
            "region",
            "city_adcode",
            "engineers",
            "tickets",
            "tickets_per_day",
            "attainable",
            "on_time_share_now",
            "needed",
        ])?;
        for base in &report.bases {
            writer.write_record([
                base.id.clone(),
                format!("{:?}", base.kind).to_lowercase(),
                base.name.clone(),
                base.region.to_string(),
                base.city_adcode.to_string(),
                base.engineers.to_string(),
                base.tickets.to_string(),
                format!("{:.2}", base.tickets_per_day),
                base.attainable.to_string(),
                format!("{:.4}", base.on_time_share_now),
                base.needed.map_or("more".to_string(), |n| n.to_string()),
            ])?;
        }
        Ok(())
    })
}
