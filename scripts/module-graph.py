#!/usr/bin/env python3
"""Prints the module graph of Package.swift as the Markdown table in docs/architecture.md.

Usage: swift package dump-package | scripts/module-graph.py
"""
import json
import sys

package = json.load(sys.stdin)
print("| module | kind | depends on (modules of this package first, then products) |")
print("|---|---|---|")
names = {target["name"] for target in package["targets"]}
for target in package["targets"]:
    if target["type"] == "test":
        continue
    dependencies = []
    for dependency in target.get("dependencies", []):
        for kind in ("byName", "target", "product"):
            if kind in dependency:
                dependencies.append(dependency[kind][0])
    ours = [d for d in dependencies if d in names]
    products = [d for d in dependencies if d not in names]
    listed = ", ".join(f"`{d}`" for d in ours) + ("; " if ours and products else "") + ", ".join(products)
    print(f"| `{target['name']}` | {target['type']} | {listed or '-'} |")
