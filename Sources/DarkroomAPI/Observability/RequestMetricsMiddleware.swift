import Hummingbird
import Metrics
import Synchronization

/// Requests by route pattern (never the path, which holds ids), method and status, with their durations and how many
/// are in progress.
///
/// Hand-written rather than Hummingbird's `MetricsMiddleware`, which records once the body is written by wrapping it
/// in a closure: that turns the single write of a ready body into three (head, body, end), and measured 19,500 →
/// 15,300 feed requests/s. This one records when the response is ready, so a duration is the time to produce the
/// answer; sending it (a photo file streaming out) is not counted.
struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    private let handles = RequestMetricHandles()

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let inProgress = handles.inProgress(request.method)
        inProgress.increment()
        defer { inProgress.decrement() }
        do {
            let response = try await next(request, context)
            handles.finished(route: context.endpointPath, request.method, response.status).record(since: start)
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status ?? .internalServerError
            let finished = handles.finished(route: context.endpointPath, request.method, status)
            finished.record(since: start)
            finished.errors.increment()
            throw error
        }
    }
}

/// The swift-metrics handles of each route, method and status seen, made once: making one goes through the
/// registry's lock and a lookup by name and labels.
private final class RequestMetricHandles: Sendable {
    struct Key: Hashable {
        var route: String
        var method: HTTPRequest.Method
        var status: Int
    }

    struct Finished: Sendable {
        let count: Counter
        let duration: Timer
        let errors: Counter

        func record(since start: ContinuousClock.Instant) {
            count.increment()
            duration.record(duration: ContinuousClock.now - start)
        }
    }

    private let finished = Mutex<[Key: Finished]>([:])
    private let inProgressByMethod = Mutex<[HTTPRequest.Method: Meter]>([:])

    func inProgress(_ method: HTTPRequest.Method) -> Meter {
        inProgressByMethod.withLock { meters in
            if let meter = meters[method] { return meter }
            let meter = Meter(label: "darkroom_http_requests_in_progress", dimensions: [("method", method.rawValue)])
            meters[method] = meter
            return meter
        }
    }

    func finished(route: String?, _ method: HTTPRequest.Method, _ status: HTTPResponse.Status) -> Finished {
        // Paths no route matched are counted together, so a scan of random paths cannot grow the series.
        let key = Key(route: route ?? "unmatched", method: method, status: status.code)
        return finished.withLock { handles in
            if let handle = handles[key] { return handle }
            let labels = [("route", key.route), ("method", method.rawValue), ("status", String(status.code))]
            let handle = Finished(
                count: Counter(label: "darkroom_http_requests_total", dimensions: labels),
                duration: Timer(label: "darkroom_http_request_duration_seconds", dimensions: labels, preferredDisplayUnit: .seconds),
                errors: Counter(label: "darkroom_http_request_errors_total", dimensions: labels)
            )
            handles[key] = handle
            return handle
        }
    }
}
