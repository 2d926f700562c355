import FleetModel
import FleetProtocol
import FleetReconcile
import FleetSQLite

/// An Application this spoke has synced, remembered for the day it leaves the plan: how to
/// find its objects (tracking label and kinds) and what its removal policy was.
struct RememberedApplication: Equatable {
    var name: String
    var label: String
    var removal: RemovalPolicy?
    var kinds: Set<GroupKind>
    /// The planned sync wave of each object not in wave 0 (by `ResourceKey.description`):
    /// removal goes in reverse wave order even for objects whose wave is not on them.
    var waves: [String: Int] = [:]
    /// Its `PostDelete` hooks (plan resources as JSON), run once its objects are gone.
    var postDelete = "[]"
}

extension SpokeState {
    func rememberedApplications() throws -> [String: RememberedApplication] {
        var out: [String: RememberedApplication] = [:]
        for row in try database.query("SELECT app, label, removal, kinds, waves, postDelete FROM applications") {
            guard row.count == 6, let name = row[0].text, let label = row[1].text else { continue }
            let kinds = ((try? JSON.parse(row[3].text ?? "[]"))?.arrayValue ?? []).compactMap { item -> GroupKind? in
                guard let kind = item["kind"]?.stringValue else { return nil }
                return GroupKind(group: item["group"]?.stringValue ?? "", kind: kind)
            }
            let waves = ((try? JSON.parse(row[4].text ?? "{}"))?.objectValue ?? [:]).reduce(into: [String: Int]()) { $0[$1.key] = $1.value.intValue }
            out[name] = RememberedApplication(name: name, label: label, removal: row[2].text.flatMap(RemovalPolicy.init), kinds: Set(kinds), waves: waves,
                                              postDelete: row[5].text ?? "[]")
        }
        return out
    }

    func remember(_ application: RememberedApplication) throws {
        let kinds = application.kinds.sorted { ($0.group, $0.kind) < ($1.group, $1.kind) }
            .map { Value.object(["group": .string($0.group), "kind": .string($0.kind)]) }
        let waves = ValueObject(uniqueKeysWithValues: application.waves.sorted { $0.key < $1.key }.map { ($0.key, Value.int($0.value)) })
        try database.run("""
            INSERT INTO applications (app, label, removal, kinds, waves, postDelete) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (app) DO UPDATE SET label = excluded.label, removal = excluded.removal, kinds = excluded.kinds, waves = excluded.waves,
                postDelete = excluded.postDelete
            """, [.text(application.name), .text(application.label), application.removal.map { .text($0.rawValue) } ?? .null,
                  .text(JSON.encode(.array(kinds))), .text(JSON.encode(.object(waves), options: [.sortedKeys])), .text(application.postDelete)])
    }

    /// Forgets everything about an Application that has left the plan.
    func forgetApplication(_ name: String) throws {
        try database.run("DELETE FROM applications WHERE app = ?", [.text(name)])
        try database.run("DELETE FROM lastApplied WHERE app = ?", [.text(name)])
        try database.run("DELETE FROM synced WHERE app = ?", [.text(name)])
        try database.run("DELETE FROM kv WHERE key IN (?, ?)", [.text("last-sync:" + name), .text("retry:" + name)])
    }
}

/// Applications that leave the plan, removed as Argo CD deletes an Application: with the
/// resources finalizer, every object it tracked is deleted, last sync wave first, each wave
/// gone before the next (`Delete=false` objects are kept, `Delete=confirm` ones wait for a
/// person to delete them); without it, the objects stay,
/// untracked. A removal is held, and said so, when the plan says it cannot be trusted to
/// list every Application (an ApplicationSet that did not generate), or when it would remove
/// every Application of the cluster at once without the Cluster record allowing it.
extension Reconciler {
    /// Records how to find and remove an Application (only when that changed). A plan entry
    /// that did not render keeps the removal policy last seen.
    func remember(_ entry: PlanEntry, digest: String, label: String, kinds: Set<GroupKind>) throws {
        var known = try rememberedApplications ?? state.rememberedApplications()
        rememberedApplications = known
        let previous = known[entry.name]
        if rememberedDigests[entry.name] == digest, let previous, kinds.isSubset(of: previous.kinds) { return }
        let removal = entry.error == nil ? entry.removal : previous?.removal ?? entry.removal
        var waves = entry.error == nil ? [:] : previous?.waves ?? [:]
        if entry.error == nil {
            for resource in entry.resources where resource.wave != 0 {
                waves[ResourceKey(group: resource.group, kind: resource.kind, namespace: resource.namespace, name: resource.name).description] = resource.wave
            }
        }
        let postDelete = entry.error == nil
            ? JSON.encode(.array(entry.resources.filter { $0.hooks.contains(HookPhase.postDelete.rawValue) }.map(\.value)), options: [.sortedKeys])
            : previous?.postDelete ?? "[]"
        let current = RememberedApplication(name: entry.name, label: label, removal: removal, kinds: kinds.union(previous?.kinds ?? []), waves: waves,
                                            postDelete: postDelete)
        if current != previous {
            try state.remember(current)
            known[entry.name] = current
        }
        rememberedApplications = known
        rememberedDigests[entry.name] = digest
    }

    /// Removes the Applications this spoke synced that the plan no longer lists; returns the
    /// report's conditions about them.
    func removeDeparted(plan: Plan, dryRun: Bool) throws -> [StatusCondition] {
        let known = try rememberedApplications ?? state.rememberedApplications()
        rememberedApplications = known
        let planned = Set(plan.applications.map(\.name))
        let departed = known.values.filter { !planned.contains($0.name) }.sorted { $0.name < $1.name }
        guard !departed.isEmpty else { return [] }
        let names = departed.map(\.name).joined(separator: ", ")
        if let reason = plan.holdRemovals {
            return [StatusCondition(type: "DeletionHeld", message: "\(names) left the plan but \(reason)")]
        }
        if plan.applications.isEmpty, !plan.allowEmpty, departed.contains(where: { $0.removal != nil }) {
            return [StatusCondition(type: "DeletionHeld", message: "the plan removes every Application of cluster \(plan.cluster) (\(names)); "
                + "nothing is deleted unless its Cluster record has the annotation \(PlanFormat.allowEmptyAnnotation): \"true\"")]
        }
        var conditions: [StatusCondition] = []
        for application in departed {
            if let condition = try remove(application, dryRun: dryRun) { conditions.append(condition) }
        }
        return conditions
    }

    private func forget(_ name: String) throws {
        try state.forgetApplication(name)
        rememberedApplications?[name] = nil
        rememberedDigests[name] = nil
    }

    /// Deletes one departed Application's objects, wave by wave; forgets it once they are gone.
    private func remove(_ application: RememberedApplication, dryRun: Bool) throws -> StatusCondition? {
        guard let policy = application.removal else {
            if !dryRun {
                try forget(application.name)
            }
            return StatusCondition(type: "ApplicationRemoved", message: "\(application.name) left the plan; it has no resources finalizer, so its objects stay, untracked")
        }
        let live = try driver.list(trackingLabel: application.label, kinds: application.kinds)
        let kept = live.filter { SyncPlanner.syncOptions(of: $0.value).contains("Delete=false") }.keys.sorted()
        // `Delete=confirm`: left for a person to delete (their deletion is the confirmation).
        let unconfirmed = live.filter { SyncPlanner.syncOptions(of: $0.value).contains("Delete=confirm") }.keys.sorted()
        let spared = Set(kept + unconfirmed)
        let doomed = live.filter { !spared.contains($0.key) }
        if dryRun {
            return StatusCondition(type: "ApplicationDeleting", message: "\(application.name) left the plan: would delete \(doomed.count) object(s)")
        }
        let waves = Dictionary(grouping: doomed.keys) { application.waves[$0.description] ?? SyncOptions.wave(of: doomed[$0]) }
        for wave in waves.keys.sorted(by: >) {
            let keys = waves[wave]!.sorted()
            for key in keys { try driver.delete(key, propagation: policy == .background ? .background : .foreground) }
            guard waitGone(keys) else {
                return StatusCondition(type: "ApplicationDeleting",
                                       message: "\(application.name) left the plan: deleting, wave \(wave) not gone within \(Int(waveTimeout))s; it continues next time")
            }
        }
        if !unconfirmed.isEmpty {
            return StatusCondition(type: "DeletionHeld", message: "\(application.name) left the plan: \(unconfirmed.map(\.description).joined(separator: ", ")) "
                + "wait for confirmation (Delete=confirm): delete them by hand to confirm; \(doomed.count) other object(s) deleted")
        }
        // Argo CD's PostDelete hooks: once everything is gone; a failed one keeps the removal going.
        let postDelete = ((try? PlannedResource.list(json: Array(application.postDelete.utf8))) ?? []).map(DesiredResource.init)
        var hookOutcome = SyncOutcome(conditions: [])
        if !runHooks(postDelete, phase: .postDelete, into: &hookOutcome) {
            return StatusCondition(type: "ApplicationDeleting",
                                   message: "\(application.name) left the plan: its objects are deleted but \(hookOutcome.conditions.first?.message ?? "a PostDelete hook failed"); it is run again next time")
        }
        try forget(application.name)
        let keptNote = kept.isEmpty ? "" : "; kept (Delete=false): " + kept.map(\.description).joined(separator: ", ")
        let hooksNote = postDelete.isEmpty ? "" : "; PostDelete hooks run: " + hookOutcome.hooks.map(\.resource).joined(separator: ", ")
        return StatusCondition(type: "ApplicationDeleted", message: "\(application.name) left the plan: deleted \(doomed.count) object(s)\(keptNote)\(hooksNote)")
    }
}
