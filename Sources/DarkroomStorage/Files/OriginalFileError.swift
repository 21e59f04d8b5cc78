/// Why an original could not be stored.
enum OriginalFileError: Error, CustomStringConvertible {
    case badExtension(String)
    var description: String {
        switch self {
        case .badExtension(let name): "not a file extension an original can have: \(name)"
        }
    }
}
