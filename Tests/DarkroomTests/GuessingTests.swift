import DarkroomStorage
import Foundation
import HummingbirdTesting
import Testing

@testable import DarkroomAPI
@testable import DarkroomCore

/// Password guessing is limited per account as well as per address, sign-ups per address, and new passwords must be
/// long and uncommon.
@Suite struct GuessingTests {
    @Test func newPasswordsAreLongUncommonAndNotTheUsername() {
        for (password, allowed) in [
            ("password", false), ("12345678", false), ("iloveyou", false), ("Baseball", false), ("short1!", false),
            ("ann-smith", false), ("ANN-SMITH", false), ("correct horse", true), ("tide pools at dusk", true),
        ] {
            let accepted = (try? PasswordPolicy.check(password, username: "ann-smith")) != nil
            #expect(accepted == allowed, "\(password)")
        }
    }

    @Test(arguments: Engine.available)
    func guessesAtOneAccountFromManyAddressesAreSlowedTheSameWayWhateverThePassword(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let throttle = LoginThrottle(store: world.storage.rateLimits, environment: world.storage.environment)
            // Ten addresses, one failure each: far below each address's own limit.
            for index in 0..<10 { try await throttle.recordFailure(address: "10.0.0.\(index)", username: "Ann") }
            #expect(try await throttle.isBlocked(address: "192.0.2.1", username: "ann"), "a fresh address is refused for this account")
            #expect(try await !throttle.isBlocked(address: "192.0.2.1", username: "bob"), "other accounts are not")
            world.clock.advance(seconds: 1800)
            #expect(try await !throttle.isBlocked(address: "192.0.2.1", username: "ann"), "half an hour later the owner is back in")
        }
    }

    @Test(arguments: Engine.available)
    func aThrottledAccountAnswersTheSameForTheRightPassword(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            _ = try await OAuthTests.member(world, "ann")
            _ = try await OAuthTests.member(world, "bob")
            try await world.withApp { client in
                for _ in 0..<10 {
                    let wrong = try await OAuthTests.logIn(Browser(client), "ann", password: "wrong horse")
                    #expect(wrong.status == 400)
                }
                let right = try await OAuthTests.logIn(Browser(client), "ann", password: "correct horse")
                let wrong = try await OAuthTests.logIn(Browser(client), "ann", password: "wrong horse")
                #expect(right.status == 429 && wrong.status == 429 && right.location == nil)
                #expect(right.body.contains("Too many failed log-ins") && wrong.body.contains("Too many failed log-ins"))
                // The same address may still sign in to another account: it is the account that is being guessed at.
                #expect(try await OAuthTests.logIn(Browser(client), "bob").status == 303)
                world.clock.advance(seconds: 1800)
                #expect(try await OAuthTests.logIn(Browser(client), "ann").status == 303)
            }
        }
    }

    @Test(arguments: Engine.available)
    func signUpsAreLimitedPerAddressAndPasswordsChecked(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            try await world.withApp { client in
                let browser = Browser(client)
                _ = try await browser.get("/accounts/signup")
                for (password, problem) in [("password1", "common"), ("seven77", "8 characters"), ("newbie0", "8 characters")] {
                    let refused = try await browser.post("/accounts/signup", [("username", "newbie0"), ("password", password)])
                    #expect(refused.status == 400 && refused.body.contains(problem), "\(password)")
                }
                for index in 0..<5 {
                    let made = try await Browser(client).signUp("newbie\(index)", password: "a long enough password")
                    #expect(made.status == 303, "sign-up \(index)")
                }
                let sixth = try await Browser(client).signUp("newbie5", password: "a long enough password")
                #expect(sixth.status == 429 && sixth.body.contains("Too many accounts"))
                #expect(try await world.storage.users.find(username: "newbie5") == nil)
                world.clock.advance(seconds: 3600)
                #expect(try await Browser(client).signUp("newbie5", password: "a long enough password").status == 303)
            }
        }
    }
}

extension Browser {
    func signUp(_ username: String, password: String) async throws -> Page {
        _ = try await get("/accounts/signup")
        return try await post("/accounts/signup", [("username", username), ("password", password)])
    }
}
