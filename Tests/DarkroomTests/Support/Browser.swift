import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore

/// A person at a browser, as far as the tests need one: it keeps cookies, reads the CSRF field off each page, and
/// sends forms the way a browser does. Redirects are returned, not followed, so each hop can be checked.
final class Browser: @unchecked Sendable {
    let client: any TestClientProtocol
    var cookies: [String: String] = [:]
    var csrf = ""

    init(_ client: any TestClientProtocol) { self.client = client }

    struct Page {
        var status: Int
        var location: String?
        var body: String
        var headers: HTTPFields
    }

    @discardableResult
    func get(_ path: String) async throws -> Page {
        try await send(path, method: .get, body: nil)
    }

    @discardableResult
    func post(_ path: String, _ fields: [(String, String)], withCSRF: Bool = true) async throws -> Page {
        let all = (withCSRF ? [("csrf_token", csrf)] : []) + fields
        let body = all.map { "\(Self.encode($0.0))=\(Self.encode($0.1))" }.joined(separator: "&")
        return try await send(path, method: .post, body: ByteBuffer(string: body))
    }

    /// A form with files, sent as a browser sends it: fields first (the CSRF value at the top), then the files, in order.
    @discardableResult
    func postMultipart(
        _ path: String,
        _ fields: [(String, String)],
        files: [(name: String, bytes: [UInt8])],
        withCSRF: Bool = true
    ) async throws
        -> Page
    {
        let boundary = "----darkroomtest\(UInt64.random(in: 0..<UInt64.max))"
        var body = ByteBuffer()
        for (name, value) in (withCSRF ? [("csrf_token", csrf)] : []) + fields {
            body.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n")
        }
        for (index, file) in files.enumerated() {
            body.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(file.name)\"; filename=\"file\(index).bin\"\r\n")
            body.writeString("Content-Type: application/octet-stream\r\n\r\n")
            body.writeBytes(file.bytes)
            body.writeString("\r\n")
        }
        body.writeString("--\(boundary)--\r\n")
        return try await send(path, method: .post, body: body, contentType: "multipart/form-data; boundary=\(boundary)")
    }

    private func send(
        _ path: String,
        method: HTTPRequest.Method,
        body: ByteBuffer?,
        contentType: String = "application/x-www-form-urlencoded"
    ) async throws -> Page {
        var headers: HTTPFields = [:]
        if !cookies.isEmpty { headers[.cookie] = cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ") }
        if body != nil { headers[.contentType] = contentType }
        let response = try await client.execute(uri: path, method: method, headers: headers, body: body) { $0 }
        for field in response.headers where field.name == .setCookie {
            let pair = field.value.split(separator: ";")[0].split(separator: "=", maxSplits: 1)
            if pair.count == 2, !pair[1].isEmpty, !field.value.contains("Max-Age=0") {
                cookies[String(pair[0])] = String(pair[1])
            } else if let name = pair.first {
                cookies[String(name)] = nil
            }
        }
        let text = String(buffer: response.body)
        if let range = text.range(of: "name=\"csrf_token\" value=\"") {
            csrf = String(text[range.upperBound...].prefix { $0 != "\"" })
        }
        return Page(status: Int(response.status.code), location: response.headers[.location], body: text, headers: response.headers)
    }

    static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? ""
    }

    /// The query (or fragment) fields of a URL.
    static func fields(of url: String, fragment: Bool = false) -> [String: String] {
        let part = fragment ? url.split(separator: "#", maxSplits: 1).dropFirst().first : url.split(separator: "?", maxSplits: 1).dropFirst().first
        var fields: [String: String] = [:]
        for pair in (part ?? "").split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1)
            fields[String(kv[0])] = kv.count > 1 ? String(kv[1]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding : ""
        }
        return fields
    }
}
