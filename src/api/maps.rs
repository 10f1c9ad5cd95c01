//! The planners' coverage over GET, for pages and meetings: the network's
//! map data (province outlines, cities, stations, hubs), the coverage
//! report with its skill gaps before and after a what-if that opens
//! stations in given cities, and the same map as SVG or PNG.

use std::sync::OnceLock;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::IntoParams;

use super::board::with_etag;
use super::openapi::ErrorBody;
use super::{ADMIN, ApiError, CALL_CENTER, COORDINATOR, Caller, ENGINEER, PLANNER, ServerFault};
use crate::coverage::atlas::{self, AtlasMap, Lang, PROVINCES_GEOJSON, Proposed};
use crate::coverage::scenario::NewStation;
use crate::coverage::skills::{SkillCoverage, skill_coverage};
use crate::coverage::{CoverageReport, Demand, Fleet, Scenario, Settings as CoverageSettings};
use crate::network::Network;
use crate::service::spawn_blocking_with_tracing;
use crate::settings::Settings;
use crate::travel::GreatCircle;

/// Most cities one what-if may open stations in.
pub const MAX_ADDED: usize = 30;
/// Engineers a station opened by the what-if starts with.
pub const WHAT_IF_ENGINEERS: usize = 2;

/// Who plans the network: the planners, and coordinators for a look.
type Planner = Caller<{ ADMIN | PLANNER | COORDINATOR }>;

#[derive(Debug, Deserialize, IntoParams)]
pub struct CoverageQuery {
    /// Cities (adcodes, comma-separated) to open a station in.
    pub add: Option<String>,
    /// `zh` (default) or `en`, for the map's words.
    pub lang: Option<String>,
}

impl CoverageQuery {
    fn added(&self, network: &Network) -> Result<Vec<u32>, ApiError> {
        let Some(raw) = self.add.as_deref().filter(|raw| !raw.trim().is_empty()) else {
            return Ok(Vec::new());
        };
        let mut added = Vec::new();
        for part in raw.split(',') {
            let adcode: u32 = part.trim().parse().map_err(|_| {
                ApiError::bad_request("add", format!("{part:?} is not a city adcode"))
            })?;
            if !network.cities.iter().any(|c| c.adcode == adcode) {
                return Err(ApiError::bad_request(
                    "add",
                    format!("{adcode} is not a city of the network"),
                ));
            }
            if !added.contains(&adcode) {
                added.push(adcode);
            }
        }
        if added.len() > MAX_ADDED {
            return Err(ApiError::bad_request(
                "add",
                format!("at most {MAX_ADDED} cities at once"),
            ));
        }
        Ok(added)
    }

    fn lang(&self) -> Result<Lang, ApiError> {
        match self.lang.as_deref() {
            None => Ok(Lang::Zh),
            Some(raw) => Lang::parse(raw).ok_or_else(|| {
                ApiError::bad_request("lang", format!("{raw:?}: expected zh or en"))
            }),
        }
    }
}

/// The shipped network, read once.
fn network() -> Result<&'static Network, ApiError> {
    static NETWORK: OnceLock<Network> = OnceLock::new();
    if let Some(network) = NETWORK.get() {
        return Ok(network);
    }
    let network = Network::shipped()?;
    Ok(NETWORK.get_or_init(|| network))
}

/// The network with a station opened in each of `added`.
fn with_stations(network: &Network, added: &[u32]) -> Result<Fleet, ApiError> {
    let fleet = Fleet::from_network(network);
    if added.is_empty() {
        return Ok(fleet);
    }
    let scenario = Scenario {
        name: Some("what-if".into()),
        add_stations: added
            .iter()
            .map(|&adcode| NewStation {
                id: crate::coverage::siting::proposed_id(adcode),
                city_adcode: adcode,
                engineers: WHAT_IF_ENGINEERS,
                name: None,
            })
            .collect(),
        source: "add".into(),
        ..Scenario::default()
    };
    Ok(scenario.apply(&network.cities, &fleet)?)
}

struct Coverage {
    report: CoverageReport,
    skills: SkillCoverage,
}

fn coverage_of(
    network: &Network,
    fleet: &Fleet,
    travel: &GreatCircle,
) -> Result<Coverage, ApiError> {
    let demand = Demand::population(&network.cities);
    let settings = CoverageSettings::default();
    Ok(Coverage {
        report: CoverageReport::build(&network.cities, fleet, &demand, travel, settings)?,
        skills: skill_coverage(&network.cities, fleet, &demand, travel, settings)?,
    })
}

/// What a page needs to draw China: the province outlines (GeoJSON), the
/// cities, stations and hubs. With an `ETag`.
#[utoipa::path(
    get,
    path = "/api/v1/network/map",
    tag = "planning",
    responses(
        (status = 200, description = "`{provinces, cities, stations, hubs}`", body = Object),
        (status = 304, description = "Not modified since the `ETag` sent in `If-None-Match`"),
    ),
)]
pub async fn network_map(
    _caller: Caller<{ ADMIN | PLANNER | COORDINATOR | ENGINEER | CALL_CENTER }>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    static MAP: OnceLock<Value> = OnceLock::new();
    let map = match MAP.get() {
        Some(map) => map,
        None => {
            let network = network()?;
            let provinces: Value =
                serde_json::from_str(PROVINCES_GEOJSON).map_err(ServerFault::from)?;
            let value = json!({
                "provinces": provinces,
                "cities": network.cities.iter().map(|c| json!({
                    "adcode": c.adcode,
                    "name_zh": c.name_zh,
                    "name_en": c.name_en,
                    "province_zh": c.province_zh,
                    "province_en": c.province_en,
                    "lat": c.location.lat(),
                    "lon": c.location.lon(),
                    "population": c.population,
                    "region": c.region,
                })).collect::<Vec<_>>(),
                "stations": network.stations.iter().map(|s| json!({
                    "id": s.id(),
                    "name": s.name(),
                    "city_adcode": s.city_adcode(),
                    "region": s.region(),
                    "lat": s.location().lat(),
                    "lon": s.location().lon(),
                })).collect::<Vec<_>>(),
                "hubs": network.hubs.iter().map(|h| json!({
                    "code": h.region,
                    "name": h.name,
                    "city_adcode": h.city_adcode,
                    "lat": h.location.lat(),
                    "lon": h.location.lon(),
                })).collect::<Vec<_>>(),
            });
            MAP.get_or_init(|| value)
        }
    };
    with_etag(&request, map)
}

/// The coverage report and the skill-aware coverage of the shipped
/// network (a city is covered for a skill only where an engineer of its
/// region with that skill can make the trip within the shift; the gaps
/// listed), and with `add` the same after opening a station (two
/// engineers of every skill, office hours) in each of those cities.
#[utoipa::path(
    get,
    path = "/api/v1/coverage",
    tag = "planning",
    params(CoverageQuery),
    responses(
        (status = 200, description = "`{added, report, skills, after, skills_after}`", body = Object),
        (status = 400, description = "A bad city list or language (named)", body = ErrorBody),
    ),
)]
pub async fn coverage(
    _caller: Planner,
    settings: web::Data<Settings>,
    query: web::Query<CoverageQuery>,
) -> Result<HttpResponse, ApiError> {
    let network = network()?;
    let added = query.added(network)?;
    let travel = settings.travel;
    let value = spawn_blocking_with_tracing(move || -> Result<Value, ApiError> {
        let before = coverage_of(network, &Fleet::from_network(network), &travel)?;
        let after = match added.is_empty() {
            true => None,
            false => Some(coverage_of(
                network,
                &with_stations(network, &added)?,
                &travel,
            )?),
        };
        Ok(json!({
            "added": added,
            "report": before.report,
            "skills": before.skills,
            "after": after.as_ref().map(|a| &a.report),
            "skills_after": after.as_ref().map(|a| &a.skills),
        }))
    })
    .await??;
    Ok(HttpResponse::Ok().json(value))
}

/// The map of `query` as SVG.
fn map_svg(query: &CoverageQuery, travel: &GreatCircle) -> Result<String, ApiError> {
    let network = network()?;
    let added = query.added(network)?;
    let lang = query.lang()?;
    let before = coverage_of(network, &Fleet::from_network(network), travel)?;
    let fleet = with_stations(network, &added)?;
    let after = if added.is_empty() {
        None
    } else {
        Some(coverage_of(network, &fleet, travel)?)
    };
    let shown = after.as_ref().unwrap_or(&before);
    let percent = |share: f64| format!("{:.1} %", 100.0 * share);
    let shares = |c: &Coverage| {
        (
            percent(c.report.national.urgent_share),
            percent(c.report.national.standard_share),
            percent(c.skills.national.weighted_standard_share),
        )
    };
    let (urgent, standard, skilled) = shares(&before);
    let subtitle = match (&after, lang) {
        (None, Lang::Zh) => format!(
            "人口覆盖：2 小时内 {urgent}，12 小时内 {standard}；按技能（派工规则）12 小时内 {skilled}"
        ),
        (None, Lang::En) => format!(
            "Population covered: {urgent} within 2 h, {standard} within 12 h; by skill (dispatch rules) {skilled} within 12 h"
        ),
        (Some(after), lang) => {
            let (u2, s2, k2) = shares(after);
            match lang {
                Lang::Zh => format!(
                    "新增 {} 个服务站：2 小时内 {urgent} → {u2}，12 小时内 {standard} → {s2}，按技能 {skilled} → {k2}",
                    added.len()
                ),
                Lang::En => format!(
                    "{} new stations: within 2 h {urgent} → {u2}, within 12 h {standard} → {s2}, by skill {skilled} → {k2}",
                    added.len()
                ),
            }
        }
    };
    let title = match lang {
        Lang::Zh => "如意服务网络覆盖图",
        Lang::En => "Ruyi service network coverage",
    };
    let proposed: Vec<Proposed> = added.iter().map(|&adcode| Proposed { adcode }).collect();
    Ok(atlas::china_svg(&AtlasMap {
        title,
        subtitle: &subtitle,
        report: &shown.report,
        cities: &network.cities,
        fleet: &fleet,
        proposed: &proposed,
        lang,
    }))
}

/// The coverage map of China as SVG: province outlines, cities shaded by
/// the time to the nearest base, labels, legend, stations and hubs, and
/// the stations `add` proposes, named.
#[utoipa::path(
    get,
    path = "/api/v1/coverage/map.svg",
    tag = "planning",
    params(CoverageQuery),
    responses(
        (status = 200, description = "The map", content_type = "image/svg+xml", body = String),
        (status = 400, description = "A bad city list or language (named)", body = ErrorBody),
    ),
)]
pub async fn map_as_svg(
    _caller: Planner,
    settings: web::Data<Settings>,
    query: web::Query<CoverageQuery>,
) -> Result<HttpResponse, ApiError> {
    let travel = settings.travel;
    let query = query.into_inner();
    let svg = spawn_blocking_with_tracing(move || map_svg(&query, &travel)).await??;
    Ok(HttpResponse::Ok()
        .content_type("image/svg+xml; charset=utf-8")
        .body(svg))
}

/// The same map as PNG (1,200 × 960 px; labels in the system's fonts).
#[utoipa::path(
    get,
    path = "/api/v1/coverage/map.png",
    tag = "planning",
    params(CoverageQuery),
    responses(
        (status = 200, description = "The map", content_type = "image/png", body = Vec<u8>),
        (status = 400, description = "A bad city list or language (named)", body = ErrorBody),
    ),
)]
pub async fn map_as_png(
    _caller: Planner,
    settings: web::Data<Settings>,
    query: web::Query<CoverageQuery>,
) -> Result<HttpResponse, ApiError> {
    let travel = settings.travel;
    let query = query.into_inner();
    let png = spawn_blocking_with_tracing(move || -> Result<Vec<u8>, ApiError> {
        let svg = map_svg(&query, &travel)?;
        atlas::svg_to_png(&svg).map_err(|e| ServerFault::Encode(e).into())
    })
    .await??;
    Ok(HttpResponse::Ok()
        .content_type("image/png")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(png))
}
