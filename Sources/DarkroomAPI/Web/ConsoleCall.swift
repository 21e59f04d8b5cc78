import DarkroomCore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// One API call the console makes for the person when its page runs without script: the endpoint's form turned into
/// the request a client would send — path parameters in the path, the token and query parameters in the query, form
/// fields in a form body, files in a multipart one, and `sig` when the token's client enforces signed requests — and
/// described as the page shows it. The console's script builds the same request in the browser.
struct ConsoleCall {
    let endpoint: Endpoint
    let path: String
    let query: [(name: String, value: String)]
    let fields: [(name: String, value: String)]
    let files: [(name: String, bytes: [UInt8])]

    static let boundary = "----darkroom-console"

    /// `signingSecret`: the client's secret when it enforces signed requests.
    init(endpoint: Endpoint, form: Parameters, files uploaded: [String: [[UInt8]]], token: String?, signingSecret: String?) {
        self.endpoint = endpoint
        var path = endpoint.displayPath
        var query: [(name: String, value: String)] = token.map { [("access_token", $0)] } ?? []
        var fields: [(name: String, value: String)] = []
        var files: [(name: String, bytes: [UInt8])] = []
        for parameter in endpoint.parameters {
            let value = form.value(parameter.name) ?? ""
            switch parameter.place {
            case .path:
                let trimmed = value.trimmingCharacters(in: .whitespaces)
                path = path.replacingOccurrences(of: "{\(parameter.name)}", with: Parameters.encode(trimmed.isEmpty ? "self" : trimmed))
            case .query: if !value.isEmpty { query.append((parameter.name, value)) }
            case .form: if !value.isEmpty { fields.append((parameter.name, value)) }
            case .file: if let bytes = uploaded[parameter.name]?.first(where: { !$0.isEmpty }) { files.append((parameter.name, bytes)) }
            }
        }
        if let signingSecret {
            query.append(("sig", SignedRequests.hmacHex(signingSecret, SignedRequests.message(path, query + fields))))
        }
        self.path = path
        self.query = query
        self.fields = fields
        self.files = files
    }

    var target: String { "/v1" + path + (query.isEmpty ? "" : "?" + Self.encode(query)) }

    /// The request, as it would arrive from outside.
    var request: Request {
        var head = HTTPRequest(method: endpoint.method, scheme: "http", authority: "localhost", path: target)
        var body = ByteBuffer()
        if !files.isEmpty {
            head.headerFields[.contentType] = "multipart/form-data; boundary=\(Self.boundary)"
            for (name, value) in fields {
                body.writeString("--\(Self.boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n")
            }
            for (name, bytes) in files {
                body.writeString("--\(Self.boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"; filename=\"\(name)\"\r\n\r\n")
                body.writeBytes(bytes)
                body.writeString("\r\n")
            }
            body.writeString("--\(Self.boundary)--\r\n")
        } else if !fields.isEmpty {
            head.headerFields[.contentType] = "application/x-www-form-urlencoded"
            body.writeString(Self.encode(fields))
        }
        if endpoint.method != .get { head.headerFields[.contentLength] = String(body.readableBytes) }
        return Request(head: head, body: RequestBody(buffer: body))
    }

    /// The request as the page shows it, under the server's public address.
    func described(publicURL: String) -> String {
        var text = "\(endpoint.method.rawValue) \(publicURL)\(target)"
        if !files.isEmpty {
            text += "\nContent-Type: multipart/form-data\n\n"
            text += (fields.map { "\($0.name)=\($0.value)" } + files.map { "\($0.name)=(a file of \($0.bytes.count) bytes)" }).joined(separator: "\n")
        } else if !fields.isEmpty {
            text += "\nContent-Type: application/x-www-form-urlencoded\n\n" + Self.encode(fields)
        }
        return text
    }

    /// The answer as the page shows it: the status line, the headers, and the body, JSON indented.
    static func described(_ answer: LocalAPI.Answer) -> String {
        let headers = answer.headers.map { "\($0.name.canonicalName.lowercased()): \($0.value)" }.joined(separator: "\n")
        let cut = answer.complete ? "" : "\n\n(The answer was still coming after \(LocalAPI.answerDeadline): this is what came.)"
        return "HTTP \(answer.status.code)\n\(headers)\n\n" + indented(answer.body) + cut
    }

    static func encode(_ pairs: [(name: String, value: String)]) -> String {
        pairs.map { Parameters.encode($0.name) + "=" + Parameters.encode($0.value) }.joined(separator: "&")
    }

    /// JSON laid out two spaces a level, keys in the order they came (Foundation's writer would sort or shuffle them,
    /// and the order is part of what a developer reads); anything that is not JSON as it came.
    static func indented(_ body: ByteBuffer) -> String {
        let text = String(buffer: body)
        guard let first = text.first, first == "{" || first == "[" else { return text }
        var out = ""
        var depth = 0
        var inString = false
        var escaped = false
        // After an opening bracket, the line break waits for what follows: an empty `{}` stays on one line.
        var opened = false
        func newline() { out += "\n" + String(repeating: "  ", count: depth) }
        for character in text {
            if inString {
                out.append(character)
                if escaped { escaped = false } else if character == "\\" { escaped = true } else if character == "\"" { inString = false }
                continue
            }
            if character == " " || character == "\n" || character == "\r" || character == "\t" { continue }
            if character == "}" || character == "]" {
                depth = max(0, depth - 1)
                if !opened { newline() }
                opened = false
                out.append(character)
                continue
            }
            if opened {
                newline()
                opened = false
            }
            switch character {
            case "\"":
                inString = true
                out.append(character)
            case "{", "[":
                out.append(character)
                depth += 1
                opened = true
            case ",":
                out.append(character)
                newline()
            case ":": out += ": "
            default: out.append(character)
            }
        }
        return out
    }
}
