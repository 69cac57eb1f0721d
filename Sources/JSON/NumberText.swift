// Exact conversions between JSON number literals and Swift numbers. Integers
// are computed in decimal, not through Double, so 18446744073709551615 decodes
// as UInt64.max and 1.5 is refused for an Int instead of rounding.

enum NumberText {
    enum IntegerResult<T> {
        case value(T)
        case outOfRange
        case notWhole
    }

    /// The literal's value as `T`, when it is a whole number that `T` can hold.
    /// `text` must already be a valid JSON number.
    static func integer<T: FixedWidthInteger>(_ text: String, as type: T.Type) -> IntegerResult<T> {
        var text = text
        return text.withUTF8 { integer(UnsafeBufferPointer(rebasing: $0[...]), as: type) }
    }

    static func integer<T: FixedWidthInteger>(_ b: UnsafeBufferPointer<UInt8>, as type: T.Type) -> IntegerResult<T> {
        var i = 0
        let negative = i < b.count && b[i] == UInt8(ascii: "-")
        if negative { i += 1 }
        // Fast path: plain digits, the common case.
        var magnitude: UInt64 = 0
        var overflow = false
        while i < b.count, let d = digit(b[i]) {
            let (m1, o1) = magnitude.multipliedReportingOverflow(by: 10)
            let (m2, o2) = m1.addingReportingOverflow(UInt64(d))
            overflow = overflow || o1 || o2
            magnitude = m2
            i += 1
        }
        if i < b.count {
            switch slowMagnitude(b) {
            case .value(let m): magnitude = m; overflow = false
            case .outOfRange: return .outOfRange
            case .notWhole: return .notWhole
            }
        }
        if overflow { return .outOfRange }
        return fit(negative: negative, magnitude: magnitude)
    }

    static func fit<T: FixedWidthInteger>(negative: Bool, magnitude: UInt64) -> IntegerResult<T> {
        if magnitude == 0 { return .value(0) }
        if negative {
            guard T.isSigned else { return .outOfRange }
            let limit = UInt64(Int64.max) + 1
            guard magnitude <= limit else { return .outOfRange }
            let v: Int64 = magnitude == limit ? .min : -Int64(magnitude)
            return T(exactly: v).map { .value($0) } ?? .outOfRange
        }
        return T(exactly: magnitude).map { .value($0) } ?? .outOfRange
    }

    /// Magnitude of a literal with a fraction or exponent ("2.50e1" is 25).
    static func slowMagnitude(_ b: UnsafeBufferPointer<UInt8>) -> IntegerResult<UInt64> {
        var digits: [UInt8] = []
        var i = 0
        if i < b.count, b[i] == UInt8(ascii: "-") { i += 1 }
        var fractionDigits = 0
        var inFraction = false
        while i < b.count {
            let c = b[i]
            if let d = digit(c) {
                if !(digits.isEmpty && d == 0) { digits.append(d) }
                if inFraction { fractionDigits += 1 }
            } else if c == UInt8(ascii: ".") {
                inFraction = true
            } else {
                break
            }
            i += 1
        }
        // Leading zeros were dropped, so fractionDigits may exceed digits.count: that is fine,
        // only digits.count + exponent matters.
        var exponent = 0
        if i < b.count, b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") {
            i += 1
            var negativeExponent = false
            if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
                negativeExponent = b[i] == UInt8(ascii: "-")
                i += 1
            }
            while i < b.count, let d = digit(b[i]) {
                // Saturate: anything past a few hundred is out of range (or zero) anyway.
                if exponent < 1_000_000 { exponent = exponent * 10 + Int(d) }
                i += 1
            }
            if negativeExponent { exponent = -exponent }
        }
        while let last = digits.last, last == 0 {
            digits.removeLast()
            exponent += 1
        }
        if digits.isEmpty { return .value(0) }
        exponent -= fractionDigits
        if exponent < 0 { return .notWhole }
        if digits.count + exponent > 20 { return .outOfRange }
        var m: UInt64 = 0
        for d in digits + [UInt8](repeating: 0, count: exponent) {
            let (m1, o1) = m.multipliedReportingOverflow(by: 10)
            let (m2, o2) = m1.addingReportingOverflow(UInt64(d))
            if o1 || o2 { return .outOfRange }
            m = m2
        }
        return .value(m)
    }

    @inline(__always)
    static func digit(_ c: UInt8) -> UInt8? {
        let d = c &- UInt8(ascii: "0")
        return d < 10 ? d : nil
    }

    /// RFC 8259: -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?
    static func isValid(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { b in
            var i = 0
            if i < b.count, b[i] == UInt8(ascii: "-") { i += 1 }
            guard i < b.count, digit(b[i]) != nil else { return false }
            if b[i] == UInt8(ascii: "0") {
                i += 1
            } else {
                while i < b.count, digit(b[i]) != nil { i += 1 }
            }
            if i < b.count, b[i] == UInt8(ascii: ".") {
                i += 1
                guard i < b.count, digit(b[i]) != nil else { return false }
                while i < b.count, digit(b[i]) != nil { i += 1 }
            }
            if i < b.count, b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") {
                i += 1
                if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { i += 1 }
                guard i < b.count, digit(b[i]) != nil else { return false }
                while i < b.count, digit(b[i]) != nil { i += 1 }
            }
            return i == b.count
        }
    }

    /// Swift's shortest round-tripping form, without the ".0" Foundation also drops;
    /// nil for values JSON cannot hold.
    static func format<T: BinaryFloatingPoint & LosslessStringConvertible>(_ value: T) -> String? {
        guard value.isFinite else { return nil }
        var s = value.description
        if s.hasSuffix(".0") { s.removeLast(2) }
        return s
    }
}
