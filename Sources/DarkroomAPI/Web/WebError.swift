import DarkroomCore
import DarkroomStorage
import Foundation
import HTTPTypes
import Hummingbird

/// A failure shown as a page.
struct WebError: Error {
    var status: HTTPResponse.Status
    var message: String
}

extension HTTPField.Name {
    static let xFrameOptions = Self("X-Frame-Options")!
    static let referrerPolicy = Self("Referrer-Policy")!
}
