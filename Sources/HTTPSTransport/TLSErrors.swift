import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Registry

/// URLSession failures in the words docker uses for them, with libcurl's own text.
enum TLSErrors {
    static func describe(_ error: Error, method: String, url: HTTPURL) -> RegistryError {
        let ns = error as NSError
        let detail = innermost(ns)
        let verb = method.prefix(1).uppercased() + method.dropFirst().lowercased()
        let prefix = "\(verb) \"\(url)\": "
        let lower = detail.lowercased()
        if lower.contains("wrong version number") || lower.contains("packet length too long") {
            return .tls(prefix + "http: server gave HTTP response to HTTPS client")
        }
        let certificateCodes = [NSURLErrorServerCertificateUntrusted, NSURLErrorServerCertificateHasUnknownRoot,
                                NSURLErrorServerCertificateHasBadDate, NSURLErrorServerCertificateNotYetValid,
                                NSURLErrorClientCertificateRejected, NSURLErrorClientCertificateRequired]
        if ns.domain == NSURLErrorDomain && (certificateCodes.contains(ns.code) || lower.contains("certificate")) {
            let x509 = lower.contains("issuer") || lower.contains("self-signed") || lower.contains("self signed")
                ? "x509: certificate signed by unknown authority" : "x509: certificate is not valid"
            return .tls(prefix + "tls: failed to verify certificate: \(x509) (\(detail)); if the registry's certificate "
                        + "comes from a private CA, add that CA to the system's trust store (update-ca-certificates)")
        }
        if ns.domain == NSURLErrorDomain && ns.code == NSURLErrorSecureConnectionFailed {
            return .tls(prefix + "tls: handshake failed: \(detail)")
        }
        if ns.domain == NSURLErrorDomain && ns.code == NSURLErrorCancelled {
            return .transport(prefix + "request cancelled")
        }
        return .transport(prefix + detail)
    }

    /// libcurl's message sits in the innermost underlying error.
    private static func innermost(_ e: NSError) -> String {
        var cur = e
        var text = e.localizedDescription
        while let next = cur.userInfo[NSUnderlyingErrorKey] as? NSError {
            cur = next
            if let d = next.userInfo[NSLocalizedDescriptionKey] as? String, !d.isEmpty { text = d }
        }
        if let d = e.userInfo[NSLocalizedDescriptionKey] as? String, !d.isEmpty, text.isEmpty || text.hasPrefix("The operation") { text = d }
        return text
    }
}
