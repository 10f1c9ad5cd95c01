#!/usr/bin/env python3
"""One-day field-service problems written as VROOM documents.

A seeded generator of the kind of day a service company sends to VROOM:
engineers based at a few stations of one region, faults reported at
customer sites around the region's cities, and more work than the day can
hold, so the priorities decide what is done.

- 200 to 1,000 jobs and 26 to 63 vehicles (`--jobs`, `--vehicles`; drawn
  from those ranges by default);
- travel from coordinates: great-circle distance x 1.3 for the road, 50 km/h
  for the first 20 km, 90 km/h beyond, as `matrices.car.durations` (s) and
  `distances` (m);
- skills as integers (7 product lines; an engineer holds 2 to 4, a job needs
  one, a few need two);
- every job's time window is 12 hours from its release (06:00 to 14:00);
  service 30 to 120 minutes; priority from the fault's severity (100, 60,
  30, 10) plus up to 10 for a fault reported earlier;
- about 20 % of the vehicles are on call for 24 hours with a
  `max_travel_time` of 5 hours; the others work 08:00 to 17:00 with one
  30-minute lunch break starting between 11:30 and 13:30;
- costs: VROOM's default (`per_hour` 3600, i.e. cost = travel seconds).

Usage: python3 benches/vroom_field_days.py --seed 1 [--jobs N] [--vehicles M]
       [--out FILE]   (stdout without --out)
"""

import argparse
import json
import math
import random
import sys

HOUR = 3600


def travel(a, b):
    """(seconds, metres) by road between two (lon, lat) points."""
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = (math.sin((lat2 - lat1) / 2) ** 2
         + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2)
    km = 2 * 6371.0 * math.asin(math.sqrt(min(1.0, h))) * 1.3
    city = min(km, 20.0)
    hours = city / 50.0 + (km - city) / 90.0
    return round(hours * HOUR), round(km * 1000)


def generate(seed, jobs=None, vehicles=None):
    rng = random.Random(seed)
    jobs = jobs or rng.randint(200, 1000)
    vehicles = vehicles or rng.randint(26, 63)
    # A region about 300 km across around (116.4 E, 39.9 N), 8 cities.
    cities = [(116.4 + rng.uniform(-1.7, 1.7), 39.9 + rng.uniform(-1.3, 1.3),
               rng.uniform(0.5, 3.0)) for _ in range(8)]
    weights = [c[2] for c in cities]
    stations = [(c[0], c[1]) for c in cities[: max(3, vehicles // 8)]]

    def site():
        lon, lat, _ = rng.choices(cities, weights)[0]
        return (lon + rng.gauss(0, 0.12), lat + rng.gauss(0, 0.09))

    points = list(stations)
    job_list = []
    for k in range(jobs):
        points.append(site())
        severity = rng.choices([1, 2, 3, 4], [1, 3, 4, 2])[0]
        release = rng.randint(6 * 60, 14 * 60) * 60
        age_bonus = (14 * HOUR - release) * 10 // (8 * HOUR)
        skills = [rng.randint(1, 7)]
        if rng.random() < 0.1:
            skills.append(rng.choice([s for s in range(1, 8) if s != skills[0]]))
        job_list.append({
            "id": 1000 + k,
            "location_index": len(points) - 1,
            "service": rng.randint(6, 24) * 5 * 60,
            "skills": sorted(skills),
            "priority": {1: 90, 2: 60, 3: 30, 4: 10}[severity] + age_bonus,
            "time_windows": [[release, release + 12 * HOUR]],
        })
    vehicle_list = []
    for v in range(vehicles):
        home = rng.randrange(len(stations))
        vehicle = {
            "id": v + 1,
            "start_index": home,
            "end_index": home,
            "skills": sorted(rng.sample(range(1, 8), rng.randint(2, 4))),
        }
        if rng.random() < 0.2:
            vehicle["time_window"] = [0, 24 * HOUR]
            vehicle["max_travel_time"] = 5 * HOUR
            vehicle["description"] = "on call"
        else:
            vehicle["time_window"] = [8 * HOUR, 17 * HOUR]
            vehicle["breaks"] = [{
                "id": 10_000 + v,
                "service": 30 * 60,
                "time_windows": [[11 * HOUR + 30 * 60, 13 * HOUR + 30 * 60]],
                "description": "lunch",
            }]
        vehicle_list.append(vehicle)
    durations, distances = [], []
    for a in points:
        row_d, row_m = [], []
        for b in points:
            seconds, metres = travel(a, b)
            row_d.append(seconds)
            row_m.append(metres)
        durations.append(row_d)
        distances.append(row_m)
    return {
        "vehicles": vehicle_list,
        "jobs": job_list,
        "matrices": {"car": {"durations": durations, "distances": distances}},
        "meta": {"generator": "benches/vroom_field_days.py", "seed": seed},
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--jobs", type=int)
    parser.add_argument("--vehicles", type=int)
    parser.add_argument("--out")
    args = parser.parse_args()
    doc = generate(args.seed, args.jobs, args.vehicles)
    text = json.dumps(doc)
    if args.out:
        with open(args.out, "w") as fh:
            fh.write(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
