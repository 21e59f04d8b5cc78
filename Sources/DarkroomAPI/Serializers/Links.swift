import Crypto
import DarkroomCore

/// Every absolute URL the API hands out, built from the configured public URL in this one place.
struct Links: Sendable {
    /// e.g. `http://127.0.0.1:8080`, without a trailing slash.
    let publicURL: String
    /// Where rendition and profile-picture files are served from (the public URL, or a CDN).
    let mediaBaseURL: String
    let signing: URLSigning

    init(publicURL: String, mediaBaseURL: String? = nil, signing: URLSigning) {
        self.publicURL = publicURL.trimmingTrailingSlashes()
        self.mediaBaseURL = (mediaBaseURL ?? publicURL + "/media").trimmingTrailingSlashes()
        self.signing = signing
    }

    func api(_ endpoint: String) -> String { publicURL + "/v1" + endpoint }

    func permalink(_ id: MediaID) -> String { publicURL + "/p/" + Shortcode.encode(id) + "/" }

    /// A public account's renditions have one lasting URL (a CDN may serve it); a private account's are served only by
    /// this server, through a signed URL that lapses (`URLSigning`).
    func rendition(_ renditions: Renditions, _ kind: String) -> String {
        file(renditions, kind + ".jpg")
    }

    /// The URL of one of a photo's files by name (`standard.jpg`, `1080x810.webp`), signed for a private account.
    func file(_ renditions: Renditions, _ name: String) -> String {
        let path = "/" + renditions.key + "/" + name
        guard renditions.isPrivate else { return mediaBaseURL + path }
        let expires = signing.expiry(ofEpoch: signing.epoch)
        return publicURL + "/media" + path + "?e=\(expires)&s=" + signing.signature(path: path, expires: expires)
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

/// Signed, expiring links to private accounts' photos, as the later Instagram CDN made them: an HMAC of the file's
/// path and an expiry, keyed by a secret every process on the database shares. A link lasts to the end of the next
/// hour, so it is the same for a whole hour (cached renderings stay valid through it, `epoch`) and lapses within two:
/// after an unfollow, a block or a switch to private, what was handed out stops working soon, and never forever.
struct URLSigning: Sendable {
    let key: SymmetricKey
    let now: @Sendable () -> Int64

    init(key: String, now: @escaping @Sendable () -> Int64) {
        self.key = SymmetricKey(data: Array(key.utf8))
        self.now = now
    }

    /// The hour links are made in; renderings holding signed links are valid for one epoch.
    var epoch: Int64 { now() / 3600 }

    func expiry(ofEpoch epoch: Int64) -> Int64 { (epoch + 2) * 3600 }

    func signature(path: String, expires: Int64) -> String {
        String(Hex.encode(HMAC<SHA256>.authenticationCode(for: Array("\(path)|\(expires)".utf8), using: key)).prefix(32))
    }

    /// Whether a request for `path` carries a signature of ours that has not lapsed.
    func admits(path: String, expires: String?, signature: String?) -> Bool {
        guard let expires, let seconds = Int64(expires), let signature, seconds >= now(), seconds <= now() + 3 * 3600 else { return false }
        return ConstantTime.equal(signature, self.signature(path: path, expires: seconds))
    }
}
