/// Output of a template, kept to be placed inside another template's output with `{{{nameHTML}}}` — the only
/// unescaped insertions the templates make (a test holds them to names ending in `HTML`), and only of values of this
/// type, which nothing but `PageTemplates` makes. So what people write is still escaped exactly once, by the template
/// that first rendered it.
struct RenderedHTML: CustomStringConvertible, Sendable {
    fileprivate(set) var description: String

    fileprivate init(_ html: String) { description = html }

    static func joined(_ parts: [RenderedHTML]) -> RenderedHTML {
        RenderedHTML(parts.map(\.description).joined())
    }
}

extension PageTemplates {
    func fragment(_ template: String, _ data: [String: Any]) -> RenderedHTML {
        RenderedHTML(render(template, data))
    }
}
