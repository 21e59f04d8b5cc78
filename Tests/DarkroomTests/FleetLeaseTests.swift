import DarkroomCore
import Testing

@testable import DarkroomStorage

/// The upkeep runs once across the servers sharing a database: whoever asks first holds it until its lease runs out.
@Suite struct FleetLeaseTests {
    @Test(arguments: Engine.available)
    func oneServerAtATimeHoldsALease(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let leases = world.storage.fleetLeases
            // Two servers asking at the same moment: exactly one gets it.
            async let first = leases.take("upkeep", seconds: 600)
            async let second = leases.take("upkeep", seconds: 600)
            let answers = try await [first, second]
            #expect(answers.filter { $0 }.count == 1)
            #expect(try await !leases.take("upkeep", seconds: 600))
            #expect(try await leases.take("another job", seconds: 600), "names are independent")
            world.clock.advance(seconds: 599)
            #expect(try await !leases.take("upkeep", seconds: 600))
            world.clock.advance(seconds: 1)
            #expect(try await leases.take("upkeep", seconds: 600), "a lease that ran out is given to the next who asks")
        }
    }
}
