#!/usr/bin/env python3
"""Writes the seed corpus of `make fuzz` (Tests/FuzzCorpus/<target>/seeds) from the project's
own fixtures: the example fleet, the render test cases, template and regex samples. Run from the
repository root when those fixtures change. Crashers found by fuzzing go in
Tests/FuzzCorpus/<target>/crashers (kept as regression tests; never delete one that was fixed).
"""
import os, pathlib, json

root = pathlib.Path(".")
out = root / "Tests/FuzzCorpus"
seeds = {name: [] for name in ["yaml", "json", "template", "appset", "kustomize", "request", "regex"]}

cases = sorted((root / "Tests/FleetRenderTests/Cases").iterdir())
for case in cases:
    files = sorted(p for p in case.rglob("*") if p.is_file() and p.name != "CASE" and b"\0" not in p.read_bytes() and p.read_bytes()[:1] != b"\x89")
    packed = "".join(f"=== {p.relative_to(case)}\n{p.read_text()}" for p in files)
    seeds["kustomize"].append(packed)
    seeds["yaml"] += [p.read_text() for p in files if p.suffix in (".yaml", ".yml")][:2]
for path in sorted((root / "fleet").rglob("*.yaml")):
    seeds["yaml"].append(path.read_text())
for path in sorted((root / "fleet/applicationsets").glob("*.yaml")):
    text = path.read_text()
    seeds["appset"].append(text)
    for line in text.splitlines():
        if "{{" in line:
            seeds["template"].append(line.split(":", 1)[-1].strip().strip("'\""))
seeds["appset"] += [
    "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {name: m}\nspec:\n  goTemplate: true\n  generators:\n  - matrix:\n      generators:\n      - clusters: {selector: {matchLabels: {env: prod}}}\n      - git: {repoURL: r, revision: HEAD, files: [{path: 'apps/*/config.json'}]}\n  template:\n    metadata: {name: '{{.name}}-{{.tier}}'}\n    spec: {project: default, source: {repoURL: r, path: 'apps/{{.path.basename}}'}, destination: {name: '{{.name}}'}}\n",
    "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {name: l}\nspec:\n  generators:\n  - list: {elements: [{cluster: a, url: 'https://a'}]}\n  - git: {repoURL: r, revision: HEAD, directories: [{path: 'apps/*'}, {path: apps/web, exclude: true}]}\n  template:\n    metadata: {name: '{{cluster}}{{path.basename}}'}\n    spec: {project: default, source: {repoURL: r, path: '{{path}}'}, destination: {server: '{{url}}'}}\n",
    "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {name: merge}\nspec:\n  goTemplate: true\n  goTemplateOptions: [missingkey=error]\n  generators:\n  - merge:\n      mergeKeys: [name]\n      generators:\n      - clusters: {values: {size: small}}\n      - list: {elements: [{name: us-east-1, values.size: large}]}\n  template:\n    metadata: {name: '{{ .name | normalize }}-{{ .values.size }}'}\n    spec: {project: default, source: {repoURL: r, path: x}, destination: {name: '{{.name}}'}}\n  templatePatch: |\n    spec:\n      syncPolicy: {automated: {prune: {{ eq .values.size \"large\" }}}}\n",
]
seeds["template"] += [
    "{{ .name | upper | trunc 4 }}-{{ index .labels \"env\" }}",
    "{{ range $i, $z := .zones }}{{ $i }}={{ $z | quote }};{{ end }}",
    "{{ if eq .labels.env \"prod\" }}{{ printf \"%05.2f|%-6s|%x\" .n .name .name }}{{ else }}x{{ end }}",
    "{{ with .missing }}{{ . }}{{ else }}{{ default \"d\" .empty }}{{ end }}",
    "{{ $x := dict \"a\" 1 \"b\" (list 1 2) }}{{ toJson $x }}{{ toYaml $x | indent 2 }}",
    "{{ regexReplaceAll \"(a+)(b?)\" \"aab-ab\" \"${2}$1\" }}{{ regexFindAll \"[a-z]+\" .server -1 }}",
    "{{ splitList \",\" \"a,b,c\" | join \"-\" }}{{ sha256sum .name | trunc 8 }}{{ b64enc .name }}",
    "{{- /* comment */ -}} {{ .name | replace \"-\" \"_\" | nindent 4 }}",
    "{{ range 5 }}{{ . }}{{ if gt . 2 }}{{ break }}{{ end }}{{ end }}",
]
seeds["json"] += [
    json.dumps({"applications": [{"name": "web", "resources": [{"kind": "Deployment", "object": {"spec": {"replicas": 2.5e3}}}]}], "cluster": "a", "formatVersion": 1}),
    '{"a":[1,-0.0,1e308,"\\u00e9\\ud83d\\ude00",true,null,{"":{}}],"b":"x\\n\\t\\"y"}',
    "[[[[[[[[]]]]]]]]", '"\\u0000"', "123456789012345678901234567890",
]
seeds["request"] += [
    json.dumps({"cluster": "us-west-2", "sequence": 4, "spokeVersion": "0.1.0", "planId": "sha256:x", "applications": [
        {"name": "web", "sync": "Synced", "health": "Healthy", "drift": [], "completedSyncToken": "t"}], "drill": {"id": 3}}),
    json.dumps({"repository": {"clone_url": "https://github.com/example/fleet.git"}, "ref": "refs/heads/main"}),
    "env=prod,tier in (a,b),!legacy", "a==b", "", "x notin ()",
]
seeds["regex"] += [
    "(a*)*b\naaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "(?i)hello\\s+(?P<who>\\w+)\nHELLO   World", "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$\nus-east-1",
    "\\pL+|\\d{2,4}\n\u00e9t\u00e9 2024", "(|a)+\naa", "[[:alpha:]]+?(x{0,3})\\b\nabcxx yy", "\\Q.*\\E\na.*", "(a|ab)(c|bcd)(d*)\nabcd",
]

for target, items in seeds.items():
    directory = out / target / "seeds"
    directory.mkdir(parents=True, exist_ok=True)
    (out / target / "crashers").mkdir(parents=True, exist_ok=True)
    keep = out / target / "crashers" / ".keep"
    if not keep.exists():
        keep.write_text("")
    for old in directory.glob("seed-*"):
        old.unlink()
    for i, item in enumerate(items):
        (directory / f"seed-{i:03d}").write_text(item)
print({t: len(v) for t, v in seeds.items()})
