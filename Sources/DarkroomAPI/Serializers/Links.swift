import DarkroomCore

/// Every absolute URL the API hands out, built from the configured public URL in this one place.
struct Links: Sendable {
    /// e.g. `http://127.0.0.1:8080`, without a trailing slash.
    let publicURL: String
    /// Where rendition and profile-picture files are served from (the public URL, or a CDN).
    let mediaBaseURL: String

    init(publicURL: String, mediaBaseURL: String? = nil) {
        self.publicURL = publicURL.trimmingTrailingSlashes()
        self.mediaBaseURL = (mediaBaseURL ?? publicURL + "/media").trimmingTrailingSlashes()
    }

    func api(_ endpoint: String) -> String { publicURL + "/v1" + endpoint }

    func permalink(_ id: MediaID) -> String { publicURL + "/p/" + Shortcode.encode(id) + "/" }

    func rendition(_ renditions: Renditions, _ kind: String) -> String {
        mediaBaseURL + "/" + renditions.key + "/" + kind + ".jpg"
    }

    func profilePicture(_ key: String?) -> String {
        guard let key else { return publicURL + "/static/anonymousUser.jpg" }
        return mediaBaseURL + "/" + key + "/profile.jpg"
    }
}

extension String {
    func trimmingTrailingSlashes() -> String {
        var text = self
        while text.hasSuffix("/") { text.removeLast() }
        return text
    }
}
