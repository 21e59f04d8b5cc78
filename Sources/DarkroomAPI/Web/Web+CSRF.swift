import DarkroomCore
import DarkroomStorage
import Foundation
import HTTPTypes
import Hummingbird

extension Web {
    /// Every form POST carries the CSRF value its page set in a cookie (double submit): another site can make a
    /// browser post, but cannot read or set our cookie.
    func requireCSRF(_ visit: Visit) throws(WebError) {
        guard let cookie = visit.cookies[Self.csrfCookie]?.value, let field = visit.form.value("csrf_token"),
            ConstantTime.equal(field, cookie), !cookie.isEmpty
        else { throw WebError(status: .forbidden, message: "This form has expired. Go back, reload the page and try again.") }
    }
}
