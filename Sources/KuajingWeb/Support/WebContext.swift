import Hummingbird
import HummingbirdAuth
import KuajingApp
import NIOCore

/// The request context: who is asking (from a session cookie or a bearer token, never from the
/// request's own claims), how they signed in, their session's CSRF token, and the peer's address.
struct WebContext: AuthRequestContext, RequestContext {
    var coreContext: CoreRequestContextStorage
    var identity: Viewer?
    /// The session's CSRF token (nil: not signed in by session).
    var csrf: String?
    /// Signed in by a session cookie (forms need the CSRF token; bearer-token clients do not).
    var viaSession = false
    /// The raw session token (to sign out).
    var sessionToken: String?
    let address: String

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        identity = nil
        address = source.channel.remoteAddress?.ipAddress ?? "unknown"
    }

    /// Uploads stream to disk; this is only what a handler may collect into memory (a form, a JSON body).
    var maxUploadSize: Int { WebLimits.formBytes }
}

/// Limits on what comes in over HTTP, stated once (the trade limits are `InputLimits`).
enum WebLimits {
    /// A form or JSON body held in memory: 1 MiB.
    static let formBytes = 1 << 20
    /// One uploaded file, streamed to disk: 200 MiB (the same as the largest archive `InputLimits` accepts).
    static let uploadBytes = 200 << 20
}
