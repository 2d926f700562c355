import FleetModel
import FleetProtocol

public struct HealthResult: Equatable, Sendable {
    public var status: HealthStatus
    public var message: String

    public init(_ status: HealthStatus, _ message: String = "") {
        self.status = status
        self.message = message
    }
}

/// The health of one live object, assessed from its `status` as Argo CD assesses each kind.
/// Kinds without a rule are Healthy unless their `status.conditions` say `Ready` or
/// `Available` is False.
public enum ResourceHealth {
    public static func assess(_ object: Value?) -> HealthResult {
        guard let object else { return HealthResult(.missing, "the resource does not exist") }
        let kind = object["kind"]?.stringValue ?? ""
        let group = GroupOfAPIVersion(object["apiVersion"]?.stringValue ?? "")
        switch (group, kind) {
        case ("apps", "Deployment"), ("extensions", "Deployment"): return deployment(object)
        case ("apps", "StatefulSet"): return statefulSet(object)
        case ("apps", "DaemonSet"), ("extensions", "DaemonSet"): return daemonSet(object)
        case ("apps", "ReplicaSet"), ("extensions", "ReplicaSet"): return replicaSet(object)
        case ("", "Pod"): return pod(object)
        case ("", "Service"): return service(object)
        case ("networking.k8s.io", "Ingress"), ("extensions", "Ingress"): return ingress(object)
        case ("", "PersistentVolumeClaim"): return pvc(object)
        case ("batch", "Job"): return job(object)
        case ("batch", "CronJob"): return cronJob(object)
        case ("autoscaling", "HorizontalPodAutoscaler"): return hpa(object)
        case ("argoproj.io", "Application"): return application(object)
        default: return generic(object)
        }
    }

    static func GroupOfAPIVersion(_ apiVersion: String) -> String {
        guard let slash = apiVersion.firstIndex(of: "/") else { return "" }
        return String(apiVersion[..<slash])
    }

    private static func int(_ v: Value?) -> Int { v?.intValue ?? Int(v?.scalarText ?? "") ?? 0 }

    private static func condition(_ object: Value, _ type: String) -> Value? {
        object["status"]?["conditions"]?.arrayValue?.first { $0["type"]?.stringValue == type }
    }

    /// When the controller has not seen the latest spec, the status says nothing yet.
    private static func observedIsCurrent(_ object: Value) -> Bool {
        guard let generation = object["metadata"]?["generation"]?.intValue else { return true }
        guard let observed = object["status"]?["observedGeneration"]?.intValue else { return false }
        return observed >= generation
    }

    static func deployment(_ d: Value) -> HealthResult {
        if d["spec"]?["paused"]?.boolValue == true { return HealthResult(.suspended, "Deployment is paused") }
        guard observedIsCurrent(d) else { return HealthResult(.progressing, "Waiting for rollout to finish: observed deployment generation less than desired generation") }
        if let progressing = condition(d, "Progressing"), progressing["reason"]?.stringValue == "ProgressDeadlineExceeded" {
            return HealthResult(.degraded, "Deployment \"\(d["metadata"]?["name"]?.stringValue ?? "")\" exceeded its progress deadline")
        }
        let replicas = d["spec"]?["replicas"].map { int($0) } ?? 1
        let status = d["status"]
        let updated = int(status?["updatedReplicas"]), total = int(status?["replicas"]), available = int(status?["availableReplicas"])
        if updated < replicas {
            return HealthResult(.progressing, "Waiting for rollout to finish: \(updated) out of \(replicas) new replicas have been updated...")
        }
        if total > updated {
            return HealthResult(.progressing, "Waiting for rollout to finish: \(total - updated) old replicas are pending termination...")
        }
        if available < updated {
            return HealthResult(.progressing, "Waiting for rollout to finish: \(available) of \(updated) updated replicas are available...")
        }
        return HealthResult(.healthy)
    }

    static func statefulSet(_ s: Value) -> HealthResult {
        guard observedIsCurrent(s) else { return HealthResult(.progressing, "Waiting for statefulset spec update to be observed...") }
        let replicas = s["spec"]?["replicas"].map { int($0) } ?? 1
        let status = s["status"]
        let ready = int(status?["readyReplicas"])
        if ready < replicas { return HealthResult(.progressing, "Waiting for \(replicas - ready) pods to be ready...") }
        if s["spec"]?["updateStrategy"]?["type"]?.stringValue == "OnDelete" {
            return HealthResult(.healthy, "statefulset has OnDelete update strategy")
        }
        if let partition = s["spec"]?["updateStrategy"]?["rollingUpdate"]?["partition"]?.intValue, partition > 0 {
            let updated = int(status?["updatedReplicas"])
            if updated < replicas - partition {
                return HealthResult(.progressing, "Waiting for partitioned roll out to finish: \(updated) out of \(replicas - partition) new pods have been updated...")
            }
            return HealthResult(.healthy, "partitioned roll out complete: \(updated) new pods have been updated...")
        }
        if let current = status?["currentRevision"]?.stringValue, let update = status?["updateRevision"]?.stringValue, current != update {
            return HealthResult(.progressing, "waiting for statefulset rolling update to complete \(int(status?["updatedReplicas"])) pods at revision \(update)...")
        }
        return HealthResult(.healthy)
    }

    static func daemonSet(_ d: Value) -> HealthResult {
        guard observedIsCurrent(d) else { return HealthResult(.progressing, "Waiting for daemon set spec update to be observed...") }
        if d["spec"]?["updateStrategy"]?["type"]?.stringValue == "OnDelete" { return HealthResult(.healthy, "daemon set has OnDelete update strategy") }
        let status = d["status"]
        let desired = int(status?["desiredNumberScheduled"])
        let updated = int(status?["updatedNumberScheduled"])
        let available = int(status?["numberAvailable"])
        if updated < desired { return HealthResult(.progressing, "Waiting for daemon set rollout to finish: \(updated) out of \(desired) new pods have been updated...") }
        if available < desired { return HealthResult(.progressing, "Waiting for daemon set rollout to finish: \(available) of \(desired) updated pods are available...") }
        return HealthResult(.healthy)
    }

    static func replicaSet(_ r: Value) -> HealthResult {
        guard observedIsCurrent(r) else { return HealthResult(.progressing, "Waiting for rollout to finish: observed replica set generation less than desired generation") }
        if let failure = condition(r, "ReplicaFailure"), failure["status"]?.stringValue == "True" {
            return HealthResult(.degraded, failure["message"]?.stringValue ?? "ReplicaFailure")
        }
        let replicas = r["spec"]?["replicas"].map { int($0) } ?? 1
        let available = int(r["status"]?["availableReplicas"])
        if available < replicas { return HealthResult(.progressing, "Waiting for rollout to finish: \(available) out of \(replicas) new replicas are available...") }
        return HealthResult(.healthy)
    }

    static func pod(_ p: Value) -> HealthResult {
        let status = p["status"]
        let containers = status?["containerStatuses"]?.arrayValue ?? []
        for container in containers {
            if let reason = container["state"]?["waiting"]?["reason"]?.stringValue,
               ["CrashLoopBackOff", "ErrImagePull", "ImagePullBackOff", "CreateContainerConfigError", "InvalidImageName", "CreateContainerError"].contains(reason) {
                return HealthResult(.degraded, container["state"]?["waiting"]?["message"]?.stringValue ?? reason)
            }
        }
        switch status?["phase"]?.stringValue ?? "Pending" {
        case "Succeeded": return HealthResult(.healthy, status?["message"]?.stringValue ?? "")
        case "Failed": return HealthResult(.degraded, status?["message"]?.stringValue ?? "the pod failed")
        case "Running":
            if p["spec"]?["restartPolicy"]?.stringValue == "Always" || p["spec"]?["restartPolicy"] == nil {
                if let ready = condition(p, "Ready"), ready["status"]?.stringValue == "True" { return HealthResult(.healthy) }
                return HealthResult(.progressing, "waiting for the pod to be ready")
            }
            return HealthResult(.progressing, "the pod is running")
        default:
            return HealthResult(.progressing, status?["message"]?.stringValue ?? "the pod is pending")
        }
    }

    static func service(_ s: Value) -> HealthResult {
        if s["spec"]?["type"]?.stringValue == "LoadBalancer" {
            if (s["status"]?["loadBalancer"]?["ingress"]?.arrayValue ?? []).isEmpty {
                return HealthResult(.progressing, "waiting for the load balancer to get an address")
            }
        }
        return HealthResult(.healthy)
    }

    static func ingress(_ i: Value) -> HealthResult {
        if (i["status"]?["loadBalancer"]?["ingress"]?.arrayValue ?? []).isEmpty {
            return HealthResult(.progressing, "waiting for the ingress to get an address")
        }
        return HealthResult(.healthy)
    }

    static func pvc(_ p: Value) -> HealthResult {
        switch p["status"]?["phase"]?.stringValue {
        case "Bound"?: return HealthResult(.healthy)
        case "Lost"?: return HealthResult(.degraded, "the volume claim lost its volume")
        default: return HealthResult(.progressing, "waiting for the volume claim to be bound")
        }
    }

    static func job(_ j: Value) -> HealthResult {
        if let failed = condition(j, "Failed"), failed["status"]?.stringValue == "True" {
            return HealthResult(.degraded, failed["message"]?.stringValue ?? "Job failed")
        }
        if let complete = condition(j, "Complete"), complete["status"]?.stringValue == "True" {
            return HealthResult(.healthy, complete["message"]?.stringValue ?? "Job completed")
        }
        if j["spec"]?["suspend"]?.boolValue == true { return HealthResult(.suspended, "Job is suspended") }
        return HealthResult(.progressing, "Job is running")
    }

    static func cronJob(_ c: Value) -> HealthResult {
        if c["spec"]?["suspend"]?.boolValue == true { return HealthResult(.suspended, "CronJob is suspended") }
        return HealthResult(.healthy)
    }

    static func hpa(_ h: Value) -> HealthResult {
        for type in ["AbleToScale", "ScalingActive"] {
            if let c = condition(h, type), c["status"]?.stringValue == "False",
               c["reason"]?.stringValue != "ScalingDisabled" {
                return HealthResult(.degraded, c["message"]?.stringValue ?? "\(type) is False")
            }
        }
        return HealthResult(.healthy)
    }

    static func application(_ a: Value) -> HealthResult {
        guard let status = a["status"]?["health"]?["status"]?.stringValue, let health = HealthStatus(rawValue: status) else {
            return HealthResult(.progressing, "waiting for the Application to report health")
        }
        return HealthResult(health, a["status"]?["health"]?["message"]?.stringValue ?? "")
    }

    static func generic(_ object: Value) -> HealthResult {
        for type in ["Ready", "Available"] {
            if let c = condition(object, type), c["status"]?.stringValue == "False" {
                return HealthResult(.degraded, c["message"]?.stringValue ?? "\(type) is False")
            }
        }
        return HealthResult(.healthy)
    }
}
