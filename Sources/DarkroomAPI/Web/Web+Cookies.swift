import DarkroomCore
import DarkroomStorage
import Foundation
import HTTPTypes
import Hummingbird

extension Web {
    /// Every cookie Darkroom sets: the whole site, never read by scripts, not sent on other sites' subrequests, and
    /// `Secure` when the public URL is https.
    func cookie(_ name: String, _ value: String, maxAge: Int64? = nil, path: String = "/") -> Cookie {
        Cookie(name: name, value: value, maxAge: maxAge.map { Int($0) }, path: path, secure: secureCookies, httpOnly: true, sameSite: .lax)
    }

    func sessionCookie(_ id: String) -> Cookie { cookie(Self.sessionCookie, id, maxAge: SessionStore.lifetime) }
    func clearedSessionCookie() -> Cookie { cookie(Self.sessionCookie, "", maxAge: 0) }
}
