import FleetModel
import FleetCommandSupport
import FleetFiles
import FleetPlan
import FleetRepos

#if canImport(Glibc)
import Glibc
#endif

/// Generating and planning a large fleet: N apps (each a base and three regional overlays,
/// one ApplicationSet with a cluster generator) over M clusters, in a real Git repository read
/// through libgit2. Measured cold (a new planner), then after a commit that changes one app's
/// base, which should re-render only that app's overlays.
enum PlanBenchmark {
    static let regions = ["us-east-1", "us-west-2", "eu-west-1"]

    static func run(apps: Int, clusters: Int) throws -> [String] {
        let directory = try LocalPaths.makeTemporaryDirectory(prefix: "fleet-bench")
        defer { _ = system("rm -rf '\(directory)'") }
        try writeFleet(apps: apps, clusters: clusters, to: directory)
        try git(directory, "init -q -b main && git add -A && git -c user.name=bench -c user.email=bench@example.com commit -q -m fleet")

        let provider = try LocalRepositoryProvider(directory: directory)
        provider.pinnedRevision = "HEAD"
        let planner = FleetPlanner(repositories: provider, fleetRepoURL: "https://git.example.com/fleet.git")
        var start = SystemClock.monotonic()
        let cold = try planner.plan()
        let coldSeconds = SystemClock.monotonic() - start
        let planBytes = cold.plans.values.reduce(0) { $0 + $1.json.count }
        guard cold.problems.isEmpty else { throw BenchmarkFailure("the synthetic fleet has problems: \(cold.problems.prefix(3))") }

        start = SystemClock.monotonic()
        let unchanged = try planner.plan()
        let unchangedSeconds = SystemClock.monotonic() - start

        let changedApp = min(7, apps - 1)
        try writeFile(directory + "/apps/app-\(format2(changedApp))/base/configmap.yaml", configMap(app: changedApp, revision: 2))
        try git(directory, "-c user.name=bench -c user.email=bench@example.com commit -q -am 'one app: new model version'")
        start = SystemClock.monotonic()
        let warm = try planner.plan()
        let warmSeconds = SystemClock.monotonic() - start
        let changedPlans = warm.plans.values.filter { cold.plans[$0.cluster]?.id != $0.id }.count

        func phases(_ set: FleetPlanSet) -> String {
            set.phases.map { "\($0.name) \(format(Double($0.duration.components.attoseconds) / 1e15 + Double($0.duration.components.seconds) * 1000, 0)) ms" }.joined(separator: ", ")
        }
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let applications = cold.applications.count
        return [
            "| fleet | what | time | renders | plans changed |",
            "|---|---|---|---|---|",
            "| \(apps) apps x \(clusters) clusters (\(applications) Applications, \(planBytes / 1_048_576) MiB of plans) | cold: generate, render, compile | \(format(coldSeconds, 2)) s | \(cold.rendered) | \(cold.plans.count) |",
            "| same | same commit again | \(format(unchangedSeconds, 2)) s | \(unchanged.rendered) | 0 |",
            "| same | after a commit to one app's base | \(format(warmSeconds, 2)) s | \(warm.rendered) | \(changedPlans) |",
            "",
            "Goal: under 30 s cold and under 2 s after the one-app commit. Peak RSS of the benchmark process: \(usage.ru_maxrss / 1024) MiB.",
            "",
            "Phases, cold: \(phases(cold)).",
            "Phases, after the one-app commit: \(phases(warm)).",
        ]
    }

    static func git(_ directory: String, _ arguments: String) throws {
        guard system("cd '\(directory)' && git \(arguments)") == 0 else { throw BenchmarkFailure("git \(arguments) failed") }
    }

    static func configMap(app: Int, revision: Int) -> String {
        """
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: app-\(app)-settings
        data:
          MODEL_VERSION: v\(revision)
          LOG_LEVEL: info

        """
    }

    static func writeFleet(apps: Int, clusters: Int, to directory: String) throws {
        var records = ""
        for index in 0..<clusters {
            let region = regions[index % regions.count]
            records += """
                apiVersion: fleet/v1alpha1
                kind: Cluster
                metadata:
                  name: c\(index)-\(region)
                  labels: {region: \(region), env: prod, tier: t\(index % 4)}
                spec:
                  server: https://10.\(index / 250).\(index % 250).1:6443
                ---

                """
        }
        try writeFile(directory + "/clusters/clusters.yaml", records)
        for app in 0..<apps {
            let name = String(format2(app))
            let base = directory + "/apps/app-\(name)/base"
            try writeFile(base + "/kustomization.yaml", """
                resources: [deployment.yaml, service.yaml, configmap.yaml]
                commonLabels:
                  app.kubernetes.io/name: app-\(app)
                configMapGenerator:
                - name: app-\(app)-env
                  literals: [MODE=serve, SHARDS=4]

                """)
            try writeFile(base + "/deployment.yaml", """
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: app-\(app)
                  annotations: {argocd.argoproj.io/sync-wave: "1"}
                spec:
                  replicas: 3
                  selector: {matchLabels: {component: server}}
                  template:
                    metadata: {labels: {component: server}}
                    spec:
                      containers:
                      - name: server
                        image: registry.example.com/ml/app-\(app):v1.0.0
                        envFrom: [{configMapRef: {name: app-\(app)-env}}]
                        resources:
                          limits: {nvidia.com/gpu: 1, memory: 16Gi}
                          requests: {cpu: "2", memory: 8Gi}

                """)
            try writeFile(base + "/service.yaml", """
                apiVersion: v1
                kind: Service
                metadata: {name: app-\(app)}
                spec:
                  selector: {component: server}
                  ports: [{name: http, port: 80, targetPort: 8080}]

                """)
            try writeFile(base + "/configmap.yaml", configMap(app: app, revision: 1))
            for (index, region) in regions.enumerated() {
                try writeFile(directory + "/apps/app-\(name)/overlays/\(region)/kustomization.yaml", """
                    resources: [../../base]
                    namePrefix: \(region)-
                    images:
                    - name: registry.example.com/ml/app-\(app)
                      newTag: v1.\(index).0
                    patches:
                    - target: {kind: Deployment}
                      patch: |-
                        - op: replace
                          path: /spec/replicas
                          value: \(index + 2)

                    """)
            }
            let go = app % 2 == 0
            try writeFile(directory + "/applicationsets/app-\(name).yaml", """
                apiVersion: argoproj.io/v1alpha1
                kind: ApplicationSet
                metadata: {name: app-\(name), namespace: argocd}
                spec:
                  goTemplate: \(go)
                  generators:
                  - clusters: {selector: {matchLabels: {env: prod}}}
                  template:
                    metadata: {name: '\(go ? "app-\(name)-{{ .name }}" : "app-\(name)-{{name}}")'}
                    spec:
                      project: default
                      source:
                        repoURL: https://git.example.com/fleet.git
                        targetRevision: HEAD
                        path: '\(go ? "apps/app-\(name)/overlays/{{ index .metadata.labels \"region\" }}" : "apps/app-\(name)/overlays/{{metadata.labels.region}}")'
                      destination: {name: '\(go ? "{{ .name }}" : "{{name}}")', namespace: app-\(name)}
                      syncPolicy: {automated: {prune: true, selfHeal: true}}

                """)
        }
    }

    static func format2(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
}
