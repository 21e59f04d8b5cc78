import DarkroomCore
import DarkroomStorage
import Foundation
import Hummingbird

/// `/admin/federation`: operators' policies for whole servers (suspend, limit, reject media), Mastodon's domain-block
/// lists in and out, and how deliveries stand. The work is `SetDomainPolicy`'s, as for `darkroom federation`.
struct FederationAdminController {
    let web: Web
    var storage: Storage { web.dependencies.storage }

    func addRoutes(to routes: WebRoutes) {
        routes.get("/admin/federation") { visit in try await page(visit) }
        routes.post("/admin/federation/policy", setPolicy)
        routes.post("/admin/federation/blocks", importBlocks)
        routes.get("/admin/federation/blocks.csv") { visit in
            _ = try visit.requireOperator()
            return Response(
                status: .ok,
                headers: [.contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"domain_blocks.csv\""],
                body: .init(byteBuffer: ByteBuffer(string: DomainBlocksCSV.export(try await storage.federation.domains())))
            )
        }
    }

    static func label(_ policy: DomainPolicy) -> String {
        switch policy {
        case .none: "None"
        case .limit: "Limit: their posts only for their followers here"
        case .rejectMedia: "Reject media: their posts are not taken"
        case .suspend: "Suspend: nothing to or from them"
        }
    }

    private func page(_ visit: Web.Visit, error: String? = nil, notice: String? = nil) async throws -> Response {
        _ = try visit.requireOperator()
        let servers = try await storage.federation.domains().filter { $0.policy != .none || $0.unavailableSince != nil }
        let counts = try await storage.federationOutbox.counts()
        return web.page(
            "admin/federation",
            title: "Other servers",
            status: error == nil ? .ok : .badRequest,
            visit,
            [
                "enabled": web.dependencies.federation != nil,
                "waiting": String(counts.waiting), "delivered": String(counts.delivered), "failed": String(counts.failed),
                "policies": DomainPolicy.allCases.map { ["value": $0.rawValue, "label": Self.label($0), "selected": $0 == .suspend] },
                "hasServers": !servers.isEmpty,
                "servers": servers.map { entry in
                    [
                        "domain": entry.domain, "policyLabel": Self.label(entry.policy), "note": entry.note,
                        "availability": entry.unavailableSince.map { "Not since " + PageModels.date($0, time: true) } ?? "Yes",
                    ]
                },
            ],
            error: error,
            notice: notice
        )
    }

    @Sendable private func setPolicy(_ visit: Web.Visit) async throws -> Response {
        let user = try visit.requireOperator()
        guard let policy = visit.form.value("policy").flatMap(DomainPolicy.init(rawValue:)) else {
            return try await page(visit, error: "Choose a policy.")
        }
        let domain = visit.form.value("domain") ?? ""
        let note = try Validation.text(visit.form.value("note") ?? "", field: "note", maxLength: 500)
        do {
            try await storage.setDomainPolicy(domain, policy: policy, note: note, actor: user.username)
        } catch let error as DomainError {
            return try await page(visit, error: WebError(error).message)
        }
        return try await page(visit, notice: "\(domain.lowercased()): \(Self.label(policy)).")
    }

    @Sendable private func importBlocks(_ visit: Web.Visit) async throws -> Response {
        let user = try visit.requireOperator()
        guard let file = visit.files["blocks"]?.first, !file.isEmpty else { return try await page(visit, error: "Choose the CSV file of the list.") }
        do {
            let entries = try DomainBlocksCSV.parse(String(decoding: file, as: UTF8.self))
            for entry in entries {
                try await storage.setDomainPolicy(entry.domain, policy: entry.policy, note: entry.note, actor: user.username)
            }
            return try await page(visit, notice: "Applied the list: \(entries.count) servers.")
        } catch let error as DomainError {
            return try await page(visit, error: WebError(error).message)
        }
    }
}
