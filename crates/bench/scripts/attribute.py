#!/usr/bin/env python3
"""Attributes IT Glue activity-log events to API keys, as keyaudit does:
the plain-script comparison of docs/performance.md.

Reads an inventory CSV (Name, Key), a keyaudit.toml policy ([[bind]]
entries: key, user_agent globs, ip addresses/networks, user_id, actor) and a
usage file (the fetch-usage JSONL or an Activity Logs CSV export), and prints
per key the events attributed, the password events among them and the
latest. Rules (those of keyaudit's attribution):

* within a binding every field given must match (AND), within a field any
  entry (OR); a key may have several bindings (OR);
* user-agent globs: `*` any run, `?` one character, case-insensitive, whole
  user agent; addresses: equal or inside the network; user ids: equal;
  actors: equal ignoring case; surrounding spaces ignored;
* a key without a binding of its own (and not revoked, and whose name has at
  least naming.min_length characters) is bound by its name: events whose
  user agent or actor holds the name as a whole word, ignoring case (this
  script does not implement keyaudit's generic-name list: the generated
  benchmark names are never generic);
* an event matching several keys counts for each (and once as ambiguous);
  a password event has "password" in its resource type.

Plain Python, standard library only; values seen before are remembered
(user agents, addresses, actors), as any sensible script would.

    python3 attribute.py --inventory inventory.csv --policy keyaudit.toml --usage activity.jsonl [--json]
"""

import argparse
import csv
import ipaddress
import json
import re
import sys
import tomllib
from datetime import datetime, timezone

FIELDS = ("user_agent", "ip", "user_id", "actor")


def as_list(value):
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def fingerprint_of(text):
    m = re.match(r"^\s*(ITG\.[0-9a-fA-F]{32})(?:\.|$)", text or "")
    return m.group(1)[:4].upper() + m.group(1)[4:].lower() if m else None


def glob_regex(glob):
    parts = []
    for c in glob:
        if c == "*":
            parts.append(".*")
        elif c == "?":
            parts.append(".")
        else:
            parts.append(re.escape(c))
    return re.compile("^" + "".join(parts) + "$", re.IGNORECASE | re.DOTALL)


def load_keys(path):
    keys = []
    with open(path, newline="", encoding="utf-8-sig") as f:
        for row in csv.DictReader(f):
            name = (row.get("Name") or "").strip()
            keys.append(
                {
                    "name": name,
                    "fingerprint": fingerprint_of(row.get("Key")),
                    "revoked": (row.get("State") or "").strip().lower() == "revoked",
                }
            )
    return keys


def load_bindings(path, keys):
    with open(path, "rb") as f:
        policy = tomllib.load(f)
    min_length = policy.get("naming", {}).get("min_length", 4)
    by_fingerprint, by_name = {}, {}
    for i, k in enumerate(keys):
        by_fingerprint.setdefault(k["fingerprint"], []).append(i)
        by_name.setdefault(" ".join(k["name"].split()).casefold(), []).append(i)
    bindings = []
    bound = set()
    for entry in policy.get("bind", []):
        target = entry.get("key", "")
        fp = fingerprint_of(target)
        if fp:
            owners = by_fingerprint.get(fp, [])
        else:
            owners = by_name.get(" ".join(target.split()).casefold(), [])
        fields = {
            "user_agent": [glob_regex(g) for g in as_list(entry.get("user_agent"))],
            "ip": [ipaddress.ip_network(n.strip(), strict=True) for n in as_list(entry.get("ip"))],
            "user_id": {v.strip() for v in as_list(entry.get("user_id"))},
            "actor": {v.strip().casefold() for v in as_list(entry.get("actor"))},
        }
        if not owners or not any(fields.values()):
            continue
        bound.update(owners)
        bindings.append({"keys": owners, "fields": fields, "needs": {f for f in FIELDS if fields[f]}})
    names = [
        (re.compile(r"(?<![^\W_])" + re.escape(k["name"].casefold()) + r"(?![^\W_])"), i)
        for i, k in enumerate(keys)
        if i not in bound and not k["revoked"] and len(k["name"]) >= min_length
    ]
    return bindings, names


class Attributor:
    def __init__(self, keys, bindings, names):
        self.keys = keys
        self.bindings = bindings
        self.names = names
        # One index per field: globs in a list, the rest in dictionaries.
        self.globs = [(r, b) for b, x in enumerate(bindings) for r in x["fields"]["user_agent"]]
        self.networks = {}  # (version, prefix) -> {network int: [bindings]}
        self.exact = {"user_id": {}, "actor": {}}
        for b, x in enumerate(bindings):
            for n in x["fields"]["ip"]:
                key = (n.version, n.prefixlen)
                self.networks.setdefault(key, {}).setdefault(int(n.network_address), []).append(b)
            for field in ("user_id", "actor"):
                for value in x["fields"][field]:
                    self.exact[field].setdefault(value, []).append(b)
        self.seen = {f: {} for f in FIELDS}
        self.name_hits = {}
        self.counts = [[0, 0, None] for _ in keys]
        self.events = self.attributed = self.unattributed = self.ambiguous = 0

    def field_hits(self, field, value):
        """The bindings whose `field` matches `value` (remembered)."""
        cache = self.seen[field]
        hits = cache.get(value)
        if hits is not None:
            return hits
        hits = set()
        if field == "user_agent":
            hits = {b for r, b in self.globs if r.match(value)}
        elif field == "ip":
            try:
                addr = ipaddress.ip_address(value.strip())
                if addr.version == 6 and addr.ipv4_mapped:
                    addr = addr.ipv4_mapped
                bits = 32 if addr.version == 4 else 128
                for (version, prefix), networks in self.networks.items():
                    if version == addr.version:
                        masked = int(addr) >> (bits - prefix) << (bits - prefix) if prefix else 0
                        hits.update(networks.get(masked, ()))
            except ValueError:
                pass
        elif field == "user_id":
            hits = set(self.exact["user_id"].get(value.strip(), ()))
        else:
            hits = set(self.exact["actor"].get(value.strip().casefold(), ()))
        if len(cache) > 100_000:
            cache.clear()
        cache[value] = hits
        return hits

    def keys_by_name(self, text):
        hits = self.name_hits.get(text)
        if hits is None:
            folded = text.casefold()
            hits = {k for pattern, k in self.names if pattern.search(folded)}
            self.name_hits[text] = hits
        return hits

    def observe(self, at, agent, ip, user_id, actor, resource_type):
        self.events += 1
        values = {"user_agent": agent, "ip": ip, "user_id": user_id, "actor": actor.strip() if actor else actor}
        field_hits = {f: self.field_hits(f, v) for f, v in values.items() if v}
        matched = set()
        candidates = set().union(*field_hits.values()) if field_hits else set()
        for b in candidates:
            binding = self.bindings[b]
            if all(f in field_hits and b in field_hits[f] for f in binding["needs"]):
                matched.update(binding["keys"])
        if self.names:
            for text in (agent, values["actor"]):
                if text:
                    matched |= self.keys_by_name(text)
        if not matched:
            self.unattributed += 1
            return
        self.attributed += 1
        if len(matched) > 1:
            self.ambiguous += 1
        password = resource_type is not None and "password" in resource_type.lower()
        for k in matched:
            c = self.counts[k]
            c[0] += 1
            if password:
                c[1] += 1
            if c[2] is None or at > c[2]:
                c[2] = at


def parse_time(text):
    text = text.strip()
    if "/" in text:  # MM/DD/YYYY hh:mm[:ss] [AM|PM], UTC
        date, _, rest = text.partition(" ")
        month, day, year = (int(p) for p in date.split("/"))
        clock, _, half = rest.partition(" ")
        parts = [int(p) for p in clock.split(":")] if clock else [0, 0]
        hour, minute, second = parts[0], parts[1], parts[2] if len(parts) > 2 else 0
        if half.upper() == "PM" and hour != 12:
            hour += 12
        elif half.upper() == "AM" and hour == 12:
            hour = 0
        return datetime(year, month, day, hour, minute, second, tzinfo=timezone.utc)
    at = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return at if at.tzinfo else at.replace(tzinfo=timezone.utc)


def read_jsonl(path, attributor):
    with open(path, encoding="utf-8") as f:
        next(f)  # the header
        for line in f:
            if not line.strip():
                continue
            a = json.loads(line)["attributes"]
            text = lambda v: None if v is None else str(v)
            attributor.observe(
                parse_time(a["created-at"]),
                text(a.get("user-agent")),
                text(a.get("ip-address")),
                text(a.get("user-id")),
                None,
                text(a.get("resource-type")),
            )


def read_csv(path, attributor):
    aliases = {
        "date": "time", "datetime": "time", "createdat": "time", "created": "time", "timestamp": "time",
        "user": "actor", "member": "actor", "username": "actor", "actor": "actor", "performedby": "actor",
        "userid": "user_id", "ipaddress": "ip", "ip": "ip", "sourceip": "ip", "useragent": "agent",
        "resourcetype": "type", "itemtype": "type", "type": "type",
    }
    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = csv.reader(f)
        header = next(rows)
        column = {}
        for i, name in enumerate(header):
            field = aliases.get(re.sub(r"[\s_\-/]", "", name).lower())
            if field:
                column[field] = i

        def cell(row, field):
            i = column.get(field)
            if i is None or i >= len(row):
                return None
            value = row[i].strip()
            return value or None

        for row in rows:
            if not any(c.strip() for c in row):
                continue
            attributor.observe(
                parse_time(cell(row, "time")),
                cell(row, "agent"),
                cell(row, "ip"),
                cell(row, "user_id"),
                cell(row, "actor"),
                cell(row, "type"),
            )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inventory", required=True)
    parser.add_argument("--policy", required=True)
    parser.add_argument("--usage", required=True)
    parser.add_argument("--json", action="store_true", help="print JSON")
    args = parser.parse_args()
    keys = load_keys(args.inventory)
    bindings, names = load_bindings(args.policy, keys)
    attributor = Attributor(keys, bindings, names)
    with open(args.usage, "rb") as f:
        first = f.read(1)
    (read_jsonl if first == b"{" else read_csv)(args.usage, attributor)

    stamp = lambda at: at.strftime("%Y-%m-%dT%H:%M:%SZ") if at else None
    if args.json:
        json.dump(
            {
                "events": attributor.events,
                "attributed": attributor.attributed,
                "unattributed": attributor.unattributed,
                "ambiguous": attributor.ambiguous,
                "keys": {
                    k["fingerprint"] or k["name"]: {"events": c[0], "password_events": c[1], "last_event_at": stamp(c[2])}
                    for k, c in zip(keys, attributor.counts)
                },
            },
            sys.stdout,
        )
        print()
        return
    print(f"events {attributor.events}, attributed {attributor.attributed}, "
          f"unattributed {attributor.unattributed}, ambiguous {attributor.ambiguous}")
    for k, c in zip(keys, attributor.counts):
        print(f"{c[0]:>9} {c[1]:>7} {stamp(c[2]) or '-':>20}  {k['name']}")


if __name__ == "__main__":
    main()
