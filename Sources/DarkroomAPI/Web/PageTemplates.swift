import Foundation
import Mustache

/// The pages' Mustache templates (`Templates/*.mustache`, shipped as the module's resources), parsed once at start.
/// Every `{{value}}` is HTML-escaped by the library, so what people write cannot become markup.
public struct PageTemplates: Sendable {
    private let library: MustacheLibrary
    /// The site's stylesheet, served at `/static/darkroom.css`.
    let stylesheet: [UInt8]
    /// The script an oEmbed answer's `html` loads on the embedding site, served at `/static/embed.js`.
    let embedScript: [UInt8]
    /// The API console's script, served at `/static/console.js`.
    let consoleScript: [UInt8]
    /// The posting page's place search as one types, served at `/static/posting.js`.
    let postingScript: [UInt8]
    /// Registering and using passkeys, served at `/static/passkeys.js`.
    let passkeyScript: [UInt8]

    public static let shared: PageTemplates = {
        do {
            return try PageTemplates(folder: Bundle.module.resourceURL!.appendingPathComponent("Templates"))
        } catch {
            fatalError("The page templates shipped with Darkroom do not parse: \(error)")
        }
    }()

    init(folder: URL) throws {
        var library = MustacheLibrary()
        let files = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil)
        while let file = files?.nextObject() as? URL {
            guard file.pathExtension == "mustache" else { continue }
            let name = String(file.standardizedFileURL.path.dropFirst(folder.standardizedFileURL.path.count + 1).dropLast(".mustache".count))
            try library.register(String(contentsOf: file, encoding: .utf8), named: name)
        }
        self.library = library
        stylesheet = Array(try Data(contentsOf: folder.appendingPathComponent("darkroom.css")))
        embedScript = Array(try Data(contentsOf: folder.appendingPathComponent("embed.js")))
        consoleScript = Array(try Data(contentsOf: folder.appendingPathComponent("console.js")))
        postingScript = Array(try Data(contentsOf: folder.appendingPathComponent("posting.js")))
        passkeyScript = Array(try Data(contentsOf: folder.appendingPathComponent("passkeys.js")))
    }

    func render(_ template: String, _ data: [String: Any]) -> String {
        guard let page = library.render(data, withTemplate: template) else {
            preconditionFailure("No page template named \(template)")
        }
        return page
    }
}
