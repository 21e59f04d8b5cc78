import DarkroomCore

/// One result row, read by column position in the order the statement selects.
public struct Row: Sendable {
    /// The row's values start at `start`: rows of one result may share a single array.
    private let values: [DBValue]
    private let start: Int

    public init(values: [DBValue]) { self.init(values: values, start: 0) }

    init(values: [DBValue], start: Int) {
        self.values = values
        self.start = start
    }

    private func value(_ index: Int) -> DBValue { values[start + index] }

    public func int(_ index: Int) -> Int64 {
        switch value(index) {
        case .int(let value): value
        case .double(let value): Int64(value)
        case .text(let text): Int64(text) ?? 0
        case .null: 0
        }
    }
    public func optionalInt(_ index: Int) -> Int64? {
        if case .null = value(index) { return nil }
        return int(index)
    }
    public func double(_ index: Int) -> Double {
        switch value(index) {
        case .double(let value): value
        case .int(let value): Double(value)
        case .text(let text): Double(text) ?? 0
        case .null: 0
        }
    }
    public func optionalDouble(_ index: Int) -> Double? {
        if case .null = value(index) { return nil }
        return double(index)
    }
    public func string(_ index: Int) -> String { optionalString(index) ?? "" }
    public func optionalString(_ index: Int) -> String? {
        switch value(index) {
        case .text(let text): text
        case .int(let value): String(value)
        case .double(let value): String(value)
        case .null: nil
        }
    }
    public func bool(_ index: Int) -> Bool { int(index) != 0 }
    public func id<ID: Identifier>(_ index: Int, as type: ID.Type = ID.self) -> ID { ID(int(index)) }
    public func optionalID<ID: Identifier>(_ index: Int, as type: ID.Type = ID.self) -> ID? { optionalInt(index).map(ID.init) }
}
