import DarkroomCore
import Testing

/// Callbacks never reach the server's own network, in any spelling of an address, unless the operator allows it.
@Suite struct CallbackAddressTests {
    @Test func specialPurposeAddressesAreRefusedInEveryForm() throws {
        let guard_ = CallbackAddresses()
        let refused = [
            "127.0.0.1", "127.255.0.9", "0.0.0.0", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "169.254.169.254",
            "100.64.0.1", "224.0.0.1", "255.255.255.255", "240.0.0.1", "198.18.0.1",
            "::", "::1", "fe80::1", "fc00::1", "fd12:3456::1", "ff02::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::127.0.0.1",
            "64:ff9b::a9fe:a9fe", "2002:7f00:1::1", "2002:c0a8:101::1", "[::1]", "fe80::1%eth0",
        ]
        for text in refused {
            let address = try #require(IPAddress(text), "\(text) parses")
            #expect(!guard_.permits(address), "\(text) must be refused")
        }
        let permitted = ["93.184.216.34", "8.8.8.8", "172.32.0.1", "2606:4700::1111", "::ffff:8.8.8.8", "2002:0808:0808::1"]
        for text in permitted {
            let address = try #require(IPAddress(text), "\(text) parses")
            #expect(guard_.permits(address), "\(text) must be permitted")
        }
    }

    @Test func theOperatorMayAllowNamedNetworks() throws {
        let allowed = CallbackAddresses(allowed: ["127.0.0.1/32", "10.20.0.0/16", "fd00::/8"].compactMap(CallbackAddresses.Network.init))
        #expect(allowed.permits(try #require(IPAddress("127.0.0.1"))))
        #expect(!allowed.permits(try #require(IPAddress("127.0.0.2"))))
        #expect(allowed.permits(try #require(IPAddress("10.20.3.4"))))
        #expect(!allowed.permits(try #require(IPAddress("10.21.3.4"))))
        #expect(allowed.permits(try #require(IPAddress("fd00::5"))))
        for bad in ["127.0.0.1/33", "10.0.0.0/-1", "example.com/8", "1.2.3/8", "::/129"] {
            #expect(CallbackAddresses.Network(bad) == nil, "\(bad)")
        }
    }

    @Test func addressesParseStrictly() {
        for bad in ["1.2.3", "1.2.3.4.5", "256.1.1.1", "01234.1.1.1", "1.2.3.-4", ":::1", "1::2::3", "gggg::1", "0x7f.0.0.1", "2130706433", ""] {
            #expect(IPAddress(bad) == nil, "\(bad)")
        }
        #expect(IPAddress("::ffff:1.2.3.4")?.bytes == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 1, 2, 3, 4])
        #expect(IPAddress("2001:db8::1")?.description == "2001:db8:0:0:0:0:0:1")
    }
}
