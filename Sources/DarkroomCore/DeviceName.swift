/// A browser's user agent as its owner recognises it in their sessions and security log: "Firefox on Android".
/// Only the families people know; anything else is "A browser" (or what it calls itself, cut short), never the raw
/// string, which may be long and made up.
public enum DeviceName {
    public static func describe(userAgent: String) -> String {
        guard !userAgent.isEmpty else { return "" }
        let browsers: [(token: String, name: String)] = [
            ("Edg/", "Edge"), ("OPR/", "Opera"), ("SamsungBrowser/", "Samsung Internet"), ("Firefox/", "Firefox"),
            ("FxiOS/", "Firefox"), ("CriOS/", "Chrome"), ("HeadlessChrome/", "Chrome"), ("Chromium/", "Chromium"),
            ("Chrome/", "Chrome"), ("Safari/", "Safari"), ("curl/", "curl"), ("python-requests/", "Python"),
        ]
        let systems: [(token: String, name: String)] = [
            ("iPhone", "iPhone"), ("iPad", "iPad"), ("Android", "Android"), ("CrOS", "ChromeOS"), ("Mac OS X", "macOS"),
            ("Macintosh", "macOS"), ("Windows", "Windows"), ("Linux", "Linux"),
        ]
        let browser = browsers.first { userAgent.contains($0.token) }?.name
        let system = systems.first { userAgent.contains($0.token) }?.name
        switch (browser, system) {
        case (let browser?, let system?): return "\(browser) on \(system)"
        case (let browser?, nil): return browser
        case (nil, let system?): return "A browser on \(system)"
        case (nil, nil):
            let name = userAgent.prefix(while: { $0 != "/" && $0 != " " }).filter { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." }
            return name.isEmpty ? "A browser" : String(name.prefix(30))
        }
    }
}
