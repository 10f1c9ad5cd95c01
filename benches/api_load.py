#!/usr/bin/env python3
"""Load on a running `ruyi serve`: ticket intake or route reads at a fixed
rate from keep-alive clients, with latency percentiles (request sent to
answer read) and the statuses seen.

    python3 benches/api_load.py intake --url http://127.0.0.1:8080 \
        --token "$RUYI_CALL_CENTER_TOKEN" --rate 500 --seconds 30
    python3 benches/api_load.py route --url http://127.0.0.1:8080 \
        --token "$RUYI_ADMIN_TOKEN" --engineers E0001,E0002 --date 2026-11-30 \
        --rate 2000 --seconds 30

Serve with `--rate-limit 0` (one token sends everything). Each client
thread keeps one connection and sends on its own schedule, so the offered
rate holds while answers are fast; when the server falls behind, the
achieved rate shows it. Standard library only.
"""
import argparse
import http.client
import json
import threading
import time
from collections import Counter
from urllib.parse import urlparse


def percentile(sorted_values, share):
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, int(share * len(sorted_values)))
    return sorted_values[index]


def ticket_body(client, sequence):
    # Hangzhou, reported a minute ago in China time: within every bound.
    reported = time.strftime("%Y-%m-%dT%H:%M:%S+08:00", time.gmtime(time.time() + 8 * 3600 - 60))
    return json.dumps(
        {
            "customer": f"Load client {client} #{sequence}",
            "city_adcode": 330100,
            "site": {"lat": 30.25, "lon": 120.2},
            "severity": 3,
            "skill": "network",
            "service_minutes": 60,
            "reported_at": reported,
        }
    )


def run_client(index, args, start, stop, interval, results):
    url = urlparse(args.url)
    connection = http.client.HTTPConnection(url.hostname, url.port or 80, timeout=30)
    headers = {"Authorization": f"Bearer {args.token}", "Content-Type": "application/json"}
    engineers = args.engineers.split(",") if args.engineers else []
    latencies, statuses = [], Counter()
    next_at = start + interval * index / args.clients
    sequence = 0
    while next_at < stop:
        pause = next_at - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        sequence += 1
        sent = time.monotonic()
        try:
            if args.mode == "intake":
                connection.request("POST", "/api/v1/tickets", ticket_body(index, sequence), headers)
            else:
                engineer = engineers[(index + sequence) % len(engineers)]
                path = f"/api/v1/engineers/{engineer}/route?date={args.date}"
                connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            statuses[response.status] += 1
        except (OSError, http.client.HTTPException) as error:
            statuses[type(error).__name__] += 1
            connection.close()
            connection = http.client.HTTPConnection(url.hostname, url.port or 80, timeout=30)
        latencies.append(time.monotonic() - sent)
        next_at += interval
    results[index] = (latencies, statuses)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("mode", choices=["intake", "route"])
    parser.add_argument("--url", default="http://127.0.0.1:8080")
    parser.add_argument("--token", required=True)
    parser.add_argument("--rate", type=float, default=500)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--engineers", default="")
    parser.add_argument("--date", default=time.strftime("%Y-%m-%d"))
    args = parser.parse_args()
    if args.mode == "route" and not args.engineers:
        parser.error("route needs --engineers")
    interval = args.clients / args.rate
    start = time.monotonic() + 0.5
    stop = start + args.seconds
    results = [None] * args.clients
    threads = [
        threading.Thread(target=run_client, args=(i, args, start, stop, interval, results))
        for i in range(args.clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    latencies = sorted(l for own, _ in results for l in own)
    statuses = sum((counts for _, counts in results), Counter())
    elapsed = max(time.monotonic(), stop) - start
    ms = lambda share: 1000 * percentile(latencies, share)
    print(
        f"{args.mode}: {len(latencies)} requests in {elapsed:.1f} s "
        f"({len(latencies) / elapsed:.1f}/s offered {args.rate:.0f}/s) from {args.clients} clients; "
        f"statuses {dict(statuses)}"
    )
    print(
        f"latency ms: p50 {ms(0.50):.2f}  p95 {ms(0.95):.2f}  p99 {ms(0.99):.2f}  "
        f"max {1000 * (latencies[-1] if latencies else 0):.2f}"
    )


if __name__ == "__main__":
    main()
