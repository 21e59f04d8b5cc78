import DarkroomCore
import Testing

@testable import DarkroomStorage

@Suite struct ShortcodeTests {
    @Test(arguments: [(Int64(733_194_846_952_938_437), "os1NQjxtvF"), (1_086_421_560_956_103_521, "8TvqdRHSth"), (3, "D")])
    func encodesRealPairs(id: Int64, code: String) {
        #expect(Shortcode.encode(MediaID(id)) == code)
        #expect(Shortcode.decode(Substring(code)) == MediaID(id))
    }

    @Test func rejectsForeignCharactersAndOverflow() {
        #expect(Shortcode.decode("ab+c") == nil)
        #expect(Shortcode.decode("") == nil)
        #expect(Shortcode.decode("__________________") == nil)
    }
}

@Suite struct IDGeneratorTests {
    @Test func idsCarryTheirCreationTimeAndStrictlyIncrease() {
        let generator = IDGenerator(shard: 5, clock: { 1_700_000_000_123 })
        let first = generator.next()
        let second = generator.next()
        #expect(IDGenerator.milliseconds(of: first) == 1_700_000_000_123)
        #expect(second > first)
    }

    @Test func survivesAClockThatStepsBack() {
        let clock = ManualClock(unixSeconds: 1_700_000_000)
        let generator = IDGenerator(shard: 0, clock: { clock.now })
        let before = generator.next()
        clock.advance(seconds: -10)
        #expect(generator.next() > before)
    }

    @Test func timeBoundsClampOutsideTheScheme() {
        #expect(IDGenerator.lowerBound(unixSeconds: 253_402_300_799) == Int64.max)
        #expect(IDGenerator.lowerBound(unixSeconds: 0) == 0)
    }
}

@Suite struct SQLTests {
    @Test func interpolationBindsValuesAndRenumbersFragments() {
        let inner: SQL = "b = \(2) AND c = \("x")"
        let outer: SQL = "SELECT 1 WHERE a = \(1) AND \(inner)"
        #expect(outer.text == "SELECT 1 WHERE a = $1 AND b = $2 AND c = $3")
        #expect(outer.binds == [.int(1), .int(2), .text("x")])
    }

    @Test func sqliteParametersSkipQuotedText() {
        #expect("SELECT '$1', a FROM t WHERE b = $2".replacingDollarParameters() == "SELECT '$1', a FROM t WHERE b = ?2")
    }
}

@Suite struct HashtagTests {
    @Test func extractsCaseFoldedUnicodeTagsOnce() {
        #expect(Hashtags.extract("Inside le truc #foodtruck #FoodTruck #café_1 #") == ["foodtruck", "café_1"])
        #expect(Hashtags.extract("no tags, @mention") == [])
    }
}

@Suite struct ValidationTests {
    @Test(arguments: ["kevin", "a.b_c", String(repeating: "x", count: 30)])
    func acceptsInstagramUsernames(name: String) throws {
        #expect(try Validation.username(name) == name)
    }

    @Test(arguments: ["", "has space", "émile", String(repeating: "x", count: 31), "semi;colon"])
    func rejectsOtherUsernames(name: String) {
        #expect(throws: DomainError.self) { try Validation.username(name) }
    }
}
