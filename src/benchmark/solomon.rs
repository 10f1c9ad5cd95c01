//! The Solomon / Gehring & Homberger VRPTW format.
//!
//! Times and distances are Euclidean; the core works in integers, so both
//! are scaled by [`SCALE`]: costs are rounded, travel times rounded *up* (a
//! schedule feasible on the ceiled times is feasible on the true ones). The
//! distance reported is recomputed in floating point from the coordinates,
//! as the published best-known values are. These are the conventions of the
//! peer runs, so the figures compare one to one.

use std::path::Path;

use crate::optimize::{Job, Problem, Solution, TravelMatrix, Vehicle, Window};

/// Units per unit of the file's coordinates and times.
pub const SCALE: f64 = 1000.0;

#[derive(Debug, thiserror::Error)]
pub enum BenchmarkError {
    #[error("{file}: {source}")]
    Io {
        file: String,
        source: std::io::Error,
    },
    #[error("{file} line {line}: {message}")]
    Format {
        file: String,
        line: usize,
        message: String,
    },
}

/// One customer (or the depot, number 0) as the file lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct Customer {
    pub number: u32,
    pub x: f64,
    pub y: f64,
    pub demand: i64,
    pub ready: f64,
    pub due: f64,
    pub service: f64,
}

/// A parsed instance.
#[derive(Debug, Clone, PartialEq)]
pub struct Instance {
    pub name: String,
    pub vehicles: usize,
    pub capacity: i64,
    /// The depot first, then the customers in file order.
    pub customers: Vec<Customer>,
}

impl Instance {
    pub fn read(path: &Path) -> Result<Self, BenchmarkError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| BenchmarkError::Io {
            file: file.clone(),
            source,
        })?;
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        Self::parse(&name, &file, &text)
    }

    pub fn parse(name: &str, file: &str, text: &str) -> Result<Self, BenchmarkError> {
        let error = |line: usize, message: String| BenchmarkError::Format {
            file: file.to_string(),
            line,
            message,
        };
        let mut vehicles = None;
        let mut customers = Vec::new();
        let mut section = "";
        for (index, raw) in text.lines().enumerate() {
            let line = index + 1;
            let fields: Vec<&str> = raw.split_whitespace().collect();
            match fields.first().copied() {
                None => continue,
                Some("VEHICLE") => section = "vehicle",
                Some("CUSTOMER") => section = "customer",
                Some(first) if first.parse::<f64>().is_err() => continue,
                Some(_) => match section {
                    "vehicle" => {
                        if fields.len() != 2 {
                            return Err(error(line, "expected NUMBER CAPACITY".into()));
                        }
                        let number = fields[0]
                            .parse::<usize>()
                            .map_err(|e| error(line, format!("vehicle number: {e}")))?;
                        let capacity = fields[1]
                            .parse::<i64>()
                            .map_err(|e| error(line, format!("capacity: {e}")))?;
                        vehicles = Some((number, capacity));
                    }
                    "customer" => {
                        if fields.len() != 7 {
                            return Err(error(
                                line,
                                format!("expected 7 numbers, found {}", fields.len()),
                            ));
                        }
                        let number = |i: usize, what: &str| {
                            fields[i]
                                .parse::<f64>()
                                .map_err(|e| error(line, format!("{what}: {e}")))
                        };
                        let customer = Customer {
                            number: number(0, "customer number")? as u32,
                            x: number(1, "x")?,
                            y: number(2, "y")?,
                            demand: number(3, "demand")? as i64,
                            ready: number(4, "ready time")?,
                            due: number(5, "due date")?,
                            service: number(6, "service time")?,
                        };
                        if customer.ready > customer.due {
                            return Err(error(line, "ready time after due date".into()));
                        }
                        customers.push(customer);
                    }
                    _ => return Err(error(line, "numbers before a VEHICLE section".into())),
                },
            }
        }
        let (vehicles, capacity) = vehicles.ok_or_else(|| error(0, "no VEHICLE section".into()))?;
        if customers.len() < 2 {
            return Err(error(0, "needs a depot and at least one customer".into()));
        }
        Ok(Instance {
            name: name.to_string(),
            vehicles,
            capacity,
            customers,
        })
    }

    fn euclid(&self, a: usize, b: usize) -> f64 {
        let (p, q) = (&self.customers[a], &self.customers[b]);
        ((p.x - q.x).powi(2) + (p.y - q.y).powi(2)).sqrt()
    }

    /// The instance as a routing problem: location `i` is the file's `i`-th
    /// row, job `i - 1` is customer row `i`, one vehicle per allowed route.
    pub fn to_problem(&self) -> Problem {
        let size = self.customers.len();
        let mut durations = vec![0; size * size];
        let mut distances = vec![0; size * size];
        for a in 0..size {
            for b in 0..size {
                let d = self.euclid(a, b) * SCALE;
                distances[a * size + b] = d.round() as i64;
                durations[a * size + b] = (d - 1e-9).ceil().max(0.0) as i64;
            }
        }
        let scaled = |t: f64| (t * SCALE).round() as i64;
        let jobs = self.customers[1..]
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let mut job = Job::at(i + 1, scaled(c.service));
                job.windows = vec![Window {
                    start: scaled(c.ready),
                    end: scaled(c.due),
                }];
                job.demand = vec![c.demand];
                job
            })
            .collect();
        let depot = &self.customers[0];
        let shift = Window {
            start: scaled(depot.ready),
            end: scaled(depot.due),
        };
        let vehicles = (0..self.vehicles)
            .map(|_| {
                let mut vehicle = Vehicle::new(0, Some(0), shift);
                vehicle.capacity = vec![self.capacity];
                vehicle
            })
            .collect();
        let matrix = TravelMatrix::new(size, durations, distances).expect("square matrix");
        Problem::new(matrix, jobs, vehicles).expect("a parsed instance is a valid problem")
    }

    /// The true (unscaled, floating-point) length of a solution's routes.
    pub fn distance(&self, solution: &Solution) -> f64 {
        solution
            .routes
            .iter()
            .map(|route| {
                let mut at = 0;
                let mut total = 0.0;
                for job in route.jobs() {
                    total += self.euclid(at, job + 1);
                    at = job + 1;
                }
                total + self.euclid(at, 0)
            })
            .sum()
    }
}

/// The solution text: one line per route, customers by their numbers in the
/// file, depot omitted.
pub fn write_solution(instance: &Instance, solution: &Solution) -> String {
    let mut text = String::new();
    for (index, route) in solution
        .routes
        .iter()
        .filter(|r| !r.stops.is_empty())
        .enumerate()
    {
        let numbers: Vec<String> = route
            .jobs()
            .map(|j| instance.customers[j + 1].number.to_string())
            .collect();
        text.push_str(&format!("Route {}: {}\n", index + 1, numbers.join(" ")));
    }
    text.push_str(&format!("Cost {:.2}\n", instance.distance(solution)));
    text
}

/// One row of a best-known table.
#[derive(Debug, Clone, PartialEq)]
pub struct BestKnown {
    pub vehicles: usize,
    pub distance: f64,
}

/// Reads `instance,vehicles,distance,…` rows, keyed by lower-case instance.
pub fn read_best_known(
    path: &Path,
) -> Result<std::collections::HashMap<String, BestKnown>, BenchmarkError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| BenchmarkError::Io {
        file: file.clone(),
        source,
    })?;
    let mut table = std::collections::HashMap::new();
    for (index, row) in text.lines().enumerate().skip(1) {
        let fields: Vec<&str> = row.splitn(4, ',').collect();
        if fields.len() < 3 {
            continue;
        }
        let error = |message: String| BenchmarkError::Format {
            file: file.clone(),
            line: index + 1,
            message,
        };
        let vehicles = fields[1]
            .trim()
            .parse()
            .map_err(|e| error(format!("vehicles: {e}")))?;
        let distance = fields[2]
            .trim()
            .parse()
            .map_err(|e| error(format!("distance: {e}")))?;
        table.insert(
            fields[0].trim().to_lowercase(),
            BestKnown { vehicles, distance },
        );
    }
    Ok(table)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TINY: &str = "TINY\n\nVEHICLE\nNUMBER     CAPACITY\n  2         10\n\nCUSTOMER\nCUST NO.  XCOORD.   YCOORD.    DEMAND   READY TIME  DUE DATE   SERVICE   TIME\n\n    0      0         0          0          0       100          0\n    1      3         4          5          0        50          2\n    2      0         1          5          0        50          2\n";

    #[test]
    fn reads_the_depot_vehicles_and_customers() {
        let instance = Instance::parse("tiny", "tiny.txt", TINY).unwrap();
        assert_eq!(instance.vehicles, 2);
        assert_eq!(instance.capacity, 10);
        assert_eq!(instance.customers.len(), 3);
        let problem = instance.to_problem();
        assert_eq!(problem.jobs().len(), 2);
        assert_eq!(problem.matrix().distance(0, 1), 5000);
        assert_eq!(problem.jobs()[0].windows[0].end, 50_000);
    }

    #[test]
    fn names_the_line_of_a_malformed_customer() {
        let broken = TINY.replace("    2      0         1", "    2      0         x");
        let err = Instance::parse("tiny", "tiny.txt", &broken).unwrap_err();
        assert!(err.to_string().contains("tiny.txt line 12"), "{err}");
    }
}
