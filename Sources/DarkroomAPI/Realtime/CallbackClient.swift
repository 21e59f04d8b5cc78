import AsyncHTTPClient
import DarkroomCore
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// Outgoing requests to subscribers' callbacks, made safe to aim at any URL a client registers: the host is resolved
/// here, every address it resolves to must be one `CallbackAddresses` permits, and the connection is pinned to the
/// address that was checked (AsyncHTTPClient's `dnsOverride`), so a name that answers differently a moment later —
/// DNS rebinding — changes nothing. No redirect is followed, the whole exchange has a deadline, and at most
/// `bodyLimit` bytes of an answer are read.
struct CallbackClient: Sendable {
    let addresses: CallbackAddresses
    var timeout: TimeAmount = .seconds(10)
    var bodyLimit = 64 * 1024
    var userAgent = "Darkroom-Hub/1.0 (real-time notifications)"

    struct Answer: Sendable {
        var status: Int
        var body: [UInt8]
    }

    enum Refusal: Error, CustomStringConvertible {
        case notHTTP
        case unresolvable(String)
        case forbidden(String)

        var description: String {
            switch self {
            case .notHTTP: "the callback URL must be http:// or https:// with a host"
            case .unresolvable(let host): "\(host) does not resolve"
            case .forbidden(let address): "\(address) is not an address callbacks may reach"
            }
        }
    }

    /// The same client, reading answers of up to `bytes` (one byte more tells the caller it was cut).
    func limited(to bytes: Int) -> CallbackClient {
        var copy = self
        copy.bodyLimit = bytes + 1
        return copy
    }

    func get(_ url: String, headers: HTTPHeaders = [:]) async throws -> Answer {
        try await send(url, method: .GET, headers: headers, body: nil)
    }

    func post(_ url: String, headers: HTTPHeaders, body: ByteBuffer) async throws -> Answer {
        try await send(url, method: .POST, headers: headers, body: body)
    }

    private func send(_ url: String, method: HTTPMethod, headers: HTTPHeaders, body: ByteBuffer?) async throws -> Answer {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = components.host, !host.isEmpty
        else { throw Refusal.notHTTP }
        let port = components.port ?? (scheme == "https" ? 443 : 80)
        let address = try await checkedAddress(host, port: port)
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(5), read: timeout),
            decompression: .disabled
        )
        let bareHost = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
        if IPAddress(bareHost) == nil { configuration.dnsOverride = [bareHost: address.description] }
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        do {
            let answer = try await exchange(client, url, method: method, headers: headers, body: body)
            try await client.shutdown()
            return answer
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    private func exchange(_ client: HTTPClient, _ url: String, method: HTTPMethod, headers: HTTPHeaders, body: ByteBuffer?) async throws -> Answer {
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers = headers
        request.headers.replaceOrAdd(name: "User-Agent", value: userAgent)
        if let body { request.body = .bytes(body) }
        let response = try await client.execute(request, deadline: .now() + timeout)
        var collected: [UInt8] = []
        for try await chunk in response.body {
            collected += chunk.readableBytesView.prefix(bodyLimit - collected.count)
            if collected.count >= bodyLimit { break }
        }
        return Answer(status: Int(response.status.code), body: collected)
    }

    /// The first address `host` resolves to, once every one of them is permitted (a name with any forbidden address is
    /// refused whole: which one a connection would take is not ours to choose).
    private func checkedAddress(_ host: String, port: Int) async throws -> IPAddress {
        let bare = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
        let resolved: [IPAddress]
        if let literal = IPAddress(bare) {
            resolved = [literal]
        } else {
            resolved = try await NIOThreadPool.singleton.runIfActive { Self.resolve(bare) }
        }
        guard let first = resolved.first else { throw Refusal.unresolvable(bare) }
        if let refused = resolved.first(where: { !addresses.permits($0) }) { throw Refusal.forbidden(refused.description) }
        return first
    }

    private static func resolve(_ host: String) -> [IPAddress] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &list) == 0, let first = list else { return [] }
        defer { freeaddrinfo(list) }
        var addresses: [IPAddress] = []
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let current = entry {
            if let socketAddress = current.pointee.ai_addr {
                if current.pointee.ai_family == AF_INET {
                    socketAddress.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { v4 in
                        let raw = v4.pointee.sin_addr.s_addr
                        addresses.append(IPAddress(bytes: withUnsafeBytes(of: raw) { Array($0) }))
                    }
                } else if current.pointee.ai_family == AF_INET6 {
                    socketAddress.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { v6 in
                        addresses.append(IPAddress(bytes: withUnsafeBytes(of: v6.pointee.sin6_addr) { Array($0) }))
                    }
                }
            }
            entry = current.pointee.ai_next
        }
        return addresses
    }
}
