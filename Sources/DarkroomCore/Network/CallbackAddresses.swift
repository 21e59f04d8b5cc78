/// Which network addresses a callback (a real-time subscription's verification or notification) may reach: none of
/// the server's own or its neighbours' — loopback, private, link-local, unique-local, multicast, unspecified and other
/// special-purpose ranges, in IPv4 and IPv6, including IPv4 carried inside IPv6 (mapped, compatible, 6to4, NAT64,
/// Teredo) — unless the operator named it as allowed (`--allow-callback-network`). The check is made on the address
/// actually connected to, so a name that resolves to a public address once and a private one later gets nothing.
public struct CallbackAddresses: Sendable {
    public let allowed: [Network]

    public init(allowed: [Network] = []) {
        self.allowed = allowed
    }

    /// An address with a prefix length: `10.0.0.0/8`, `127.0.0.1/32`, `fd00::/8`, or a bare address (all its bits).
    public struct Network: Sendable, Equatable, CustomStringConvertible {
        public let address: IPAddress
        public let prefixLength: Int

        public init?(_ text: String) {
            let parts = text.split(separator: "/", maxSplits: 1)
            guard let first = parts.first, let address = IPAddress(String(first)) else { return nil }
            let bits = address.bytes.count * 8
            if parts.count == 2 {
                guard let length = Int(parts[1]), (0...bits).contains(length) else { return nil }
                prefixLength = length
            } else {
                prefixLength = bits
            }
            self.address = address
        }

        public func contains(_ other: IPAddress) -> Bool {
            guard other.bytes.count == address.bytes.count else { return false }
            var remaining = prefixLength
            for (a, b) in zip(address.bytes, other.bytes) where remaining > 0 {
                let mask: UInt8 = remaining >= 8 ? 0xFF : ~(0xFF >> UInt8(remaining))
                guard a & mask == b & mask else { return false }
                remaining -= 8
            }
            return true
        }

        public var description: String { "\(address)/\(prefixLength)" }
    }

    /// Whether a callback may connect to `address`.
    public func permits(_ address: IPAddress) -> Bool {
        if allowed.contains(where: { $0.contains(address) }) { return true }
        return !Self.isSpecialPurpose(address)
    }

    private static let specialIPv4 = [
        "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.0.0.0/24",
        "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24",
        "224.0.0.0/4", "240.0.0.0/4", "255.255.255.255/32",
    ].compactMap(Network.init)

    private static let specialIPv6 = [
        "::/128", "::1/128", "fc00::/7", "fe80::/10", "fec0::/10", "ff00::/8", "100::/64", "2001:db8::/32", "2001:10::/28",
        "2001:20::/28",
    ].compactMap(Network.init)

    /// Loopback, private, shared, link-local, multicast, unspecified, documentation, benchmarking and reserved
    /// addresses; for IPv6, also any IPv4 address it carries (mapped, compatible, 6to4, NAT64, Teredo's client) that is.
    public static func isSpecialPurpose(_ address: IPAddress) -> Bool {
        if address.bytes.count == 4 { return specialIPv4.contains { $0.contains(address) } }
        if specialIPv6.contains(where: { $0.contains(address) }) { return true }
        let bytes = address.bytes
        if let carried = carriedIPv4(bytes) { return isSpecialPurpose(IPAddress(bytes: carried)) }
        return false
    }

    /// The IPv4 address an IPv6 address embeds, where a router would deliver it to that IPv4 address.
    static func carriedIPv4(_ bytes: [UInt8]) -> [UInt8]? {
        // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (compatible, deprecated but still routed by some stacks).
        if bytes[0..<10].allSatisfy({ $0 == 0 }) && ((bytes[10] == 0xFF && bytes[11] == 0xFF) || (bytes[10] == 0 && bytes[11] == 0)) {
            return Array(bytes[12..<16])
        }
        // 64:ff9b::/96 (NAT64) and 64:ff9b:1::/48 (local-use NAT64).
        if bytes[0] == 0x00, bytes[1] == 0x64, bytes[2] == 0xFF, bytes[3] == 0x9B { return Array(bytes[12..<16]) }
        // 2002:a.b.c.d::/48 (6to4).
        if bytes[0] == 0x20, bytes[1] == 0x02 { return Array(bytes[2..<6]) }
        // 2001:0000::/32 (Teredo): the client's address, inverted, in the last four bytes.
        if bytes[0] == 0x20, bytes[1] == 0x01, bytes[2] == 0x00, bytes[3] == 0x00 { return bytes[12..<16].map { ~$0 } }
        return nil
    }
}

/// An IPv4 (4 bytes) or IPv6 (16 bytes) address.
public struct IPAddress: Sendable, Equatable, Hashable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) {
        precondition(bytes.count == 4 || bytes.count == 16)
        self.bytes = bytes
    }

    /// Dotted IPv4 (`192.0.2.1`, four decimal parts only) or IPv6 (`::1`, `fe80::1`, `::ffff:10.0.0.1`); nil otherwise.
    public init?(_ text: String) {
        if let v4 = Self.ipv4(Substring(text)) {
            bytes = v4
        } else if let v6 = Self.ipv6(text) {
            bytes = v6
        } else {
            return nil
        }
    }

    private static func ipv4(_ text: Substring) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var bytes: [UInt8] = []
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.allSatisfy({ $0.isASCII && $0.isNumber }), let value = UInt8(part) else { return nil }
            bytes.append(value)
        }
        return bytes
    }

    private static func ipv6(_ text: String) -> [UInt8]? {
        var text = Substring(text)
        if text.hasPrefix("["), text.hasSuffix("]") { text = text.dropFirst().dropLast() }
        if let zone = text.firstIndex(of: "%") { text = text[..<zone] }
        guard text.contains(":"), text.utf8.count <= 45 else { return nil }
        var tail: [UInt8] = []
        if let lastColon = text.lastIndex(of: ":"), text[text.index(after: lastColon)...].contains(".") {
            guard let v4 = ipv4(text[text.index(after: lastColon)...]) else { return nil }
            tail = v4
            text = text[...lastColon]
            if text.hasSuffix(":"), !text.hasSuffix("::") { text = text.dropLast() }
        }
        let halves = text.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        func groups(_ part: String) -> [UInt8]? {
            guard !part.isEmpty else { return [] }
            var bytes: [UInt8] = []
            for group in part.split(separator: ":", omittingEmptySubsequences: false) {
                guard !group.isEmpty, group.count <= 4, let value = UInt16(group, radix: 16) else { return nil }
                bytes += [UInt8(value >> 8), UInt8(value & 0xFF)]
            }
            return bytes
        }
        guard let head = groups(halves[0]) else { return nil }
        let rest = halves.count == 2 ? groups(halves[1]) : []
        guard let rest else { return nil }
        let known = head.count + rest.count + tail.count
        if halves.count == 2 {
            guard known < 16 else { return nil }
            return head + [UInt8](repeating: 0, count: 16 - known) + rest + tail
        }
        guard known == 16 else { return nil }
        return head + tail
    }

    public var description: String {
        if bytes.count == 4 { return bytes.map(String.init).joined(separator: ".") }
        return stride(from: 0, to: 16, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }.joined(separator: ":")
    }
}
