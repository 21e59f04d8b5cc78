import Crypto
import Foundation
import Metrics
import Prometheus

/// Where the server's figures go: swift-metrics handles everywhere in the code, kept by swift-prometheus's registry
/// and read out in Prometheus's text format at `/metrics` — on the metrics listener (`metricsPort`, loopback unless
/// told otherwise) and, for a request carrying `publicToken` as a bearer token, on the public port.
public struct Monitoring: Sendable {
    public let registry: PrometheusCollectorRegistry
    /// Lets `/metrics` be read on the public port with `Authorization: Bearer <token>`; nil keeps it off that port.
    public var publicToken: String?
    /// Address and port of the listener that serves `/metrics` alone, without a token; nil for none.
    public var listener: (host: String, port: Int)?

    public init(registry: PrometheusCollectorRegistry, publicToken: String? = nil, listener: (host: String, port: Int)? = nil) {
        self.registry = registry
        self.publicToken = publicToken
        self.listener = listener
    }

    /// The factory `serve` bootstraps swift-metrics with: Prometheus's names (a library's dotted names made valid),
    /// and histogram buckets that fit what each one times.
    public static func factory(registry: PrometheusCollectorRegistry) -> PrometheusMetricsFactory {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets = [
            "darkroom_http_request_duration_seconds": milliseconds([0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 10000]),
            "darkroom_db_statement_duration_seconds": milliseconds([0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 100, 1000]),
            "darkroom_db_transaction_duration_seconds": milliseconds([0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 100, 1000, 5000]),
            "darkroom_ingest_duration_seconds": milliseconds([50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000]),
        ]
        factory.nameAndLabelSanitizer = { name, labels in (prometheusName(name), labels.map { (prometheusName($0.0), $0.1) }) }
        return factory
    }

    /// Whether `authorization` (the header's value) carries the public token; compared in constant time.
    func admits(authorization: String?) -> Bool {
        guard let publicToken, let authorization, authorization.hasPrefix("Bearer ") else { return false }
        let offered = SHA256.hash(data: Data(authorization.dropFirst("Bearer ".count).utf8))
        return offered == SHA256.hash(data: Data(publicToken.utf8))
    }

    private static func prometheusName(_ name: String) -> String {
        String(name.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == ":") ? $0 : "_" })
    }

    private static func milliseconds(_ values: [Double]) -> [Duration] {
        values.map { .microseconds(Int64($0 * 1000)) }
    }
}
