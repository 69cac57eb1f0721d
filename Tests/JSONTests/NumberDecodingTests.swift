import Foundation
import JSON
import XCTest

/// Numbers: exact integers at the limits, range checks, and doubles.
final class NumberDecodingTests: XCTestCase {
    func value<T: Decodable>(_ type: T.Type, _ text: String) throws -> T { try JSON.decode([T].self, from: Array("[\(text)]".utf8))[0] }

    func numberError<T: Decodable>(_ type: T.Type, _ text: String, file: StaticString = #filePath, line: UInt = #line) -> JSONNumberError? {
        do {
            let v = try JSON.decode([String: [T]].self, from: Array(#"{"field":[0, \#(text)]}"#.utf8))
            XCTFail("decoded \(v)", file: file, line: line)
        } catch DecodingError.dataCorrupted(let ctx) {
            XCTAssertEqual(pathText(ctx.codingPath), "field.Index 1", file: file, line: line)
            XCTAssertEqual(ctx.debugDescription, (ctx.underlyingError as? JSONNumberError)?.description, file: file, line: line)
            return ctx.underlyingError as? JSONNumberError
        } catch {
            XCTFail("\(error)", file: file, line: line)
        }
        return nil
    }

    func testIntegerLimits() throws {
        XCTAssertEqual(try value(UInt64.self, "18446744073709551615"), .max)
        XCTAssertEqual(try value(Int64.self, "-9223372036854775808"), .min)
        XCTAssertEqual(try value(Int64.self, "9223372036854775807"), .max)
        XCTAssertEqual(try value(Int8.self, "-128"), .min)
        XCTAssertEqual(try value(UInt8.self, "255"), .max)
        XCTAssertEqual(try value(Int32.self, "-2147483648"), .min)
        XCTAssertEqual(try value(UInt32.self, "4294967295"), .max)
        XCTAssertEqual(try value(UInt.self, "-0"), 0)
        XCTAssertEqual(try value(Int.self, "0"), 0)
    }

    func testWholeNumbersWrittenWithFractionOrExponent() throws {
        // Foundation accepts these for integer types too.
        for (text, expected) in [("1.0", 1), ("1e3", 1000), ("2.50e1", 25), ("-0.0", 0), ("0e999", 0), ("1000e-3", 1), ("0.0001e4", 1)] {
            XCTAssertEqual(try value(Int.self, text), expected, text)
            XCTAssertEqual(try JSONDecoder().decode([Int].self, from: Data("[\(text)]".utf8))[0], expected, text)
        }
        XCTAssertEqual(try value(UInt64.self, "1.8446744073709551615e19"), .max)
        XCTAssertEqual(try value(Int64.self, "-9.223372036854775808E18"), .min)
    }

    func testOutOfRangeAndFractions() {
        XCTAssertEqual(numberError(UInt32.self, "4294967296"), JSONNumberError(text: "4294967296", typeName: "UInt32", problem: .outOfRange))
        XCTAssertEqual(numberError(UInt32.self, "-1")?.problem, .outOfRange)
        XCTAssertEqual(numberError(UInt64.self, "18446744073709551616")?.problem, .outOfRange)
        XCTAssertEqual(numberError(UInt64.self, "1e20")?.problem, .outOfRange)
        XCTAssertEqual(numberError(Int64.self, "-9223372036854775809")?.problem, .outOfRange)
        XCTAssertEqual(numberError(Int64.self, "9223372036854775808")?.problem, .outOfRange)
        XCTAssertEqual(numberError(Int8.self, "128")?.problem, .outOfRange)
        XCTAssertEqual(numberError(Int16.self, "-32769")?.problem, .outOfRange)
        XCTAssertEqual(numberError(UInt16.self, "65536")?.problem, .outOfRange)
        XCTAssertEqual(numberError(Int.self, "1e400")?.problem, .outOfRange)
        XCTAssertEqual(numberError(Int.self, "123456789012345678901234567890")?.problem, .outOfRange)
        XCTAssertEqual(numberError(Int.self, "1.5"), JSONNumberError(text: "1.5", typeName: "Int", problem: .notWhole))
        XCTAssertEqual(numberError(Int.self, "1e-1")?.problem, .notWhole)
        XCTAssertEqual(numberError(UInt8.self, "0.5")?.problem, .notWhole)
        XCTAssertEqual(numberError(Int.self, "1.0000000000000000001")?.problem, .notWhole)
        XCTAssertEqual(numberError(Double.self, "1e400")?.problem, .outOfRange)
        XCTAssertEqual(numberError(Double.self, "-1e400")?.problem, .outOfRange)
        // Underflow to zero is refused, as Foundation refuses it; a written zero is fine.
        XCTAssertEqual(numberError(Double.self, "1e-400")?.problem, .outOfRange)
        XCTAssertEqual(numberError(Float.self, "1e39")?.problem, .outOfRange)
        XCTAssertEqual(numberError(Float.self, "1e-50")?.problem, .outOfRange)
        XCTAssertEqual(JSONNumberError(text: "4294967296", typeName: "UInt32", problem: .outOfRange).description,
                       "number 4294967296 is out of range for UInt32")
    }

    func testDoubles() throws {
        for d in [0.1, -0.0, 1e-7, 5e-324, Double.greatestFiniteMagnitude, -Double.greatestFiniteMagnitude, 123456.789, 1 / 3.0, Double.pi] {
            let bytes = try JSON.encode([d])
            let back = try JSON.decode([Double].self, from: bytes)[0]
            XCTAssertEqual(back.bitPattern, d.bitPattern, "\(d) via \(String(decoding: bytes, as: UTF8.self))")
        }
        XCTAssertEqual(try value(Double.self, "0e-999"), 0)
        XCTAssertEqual(try value(Double.self, "18446744073709551615"), 18446744073709551615.0)
        XCTAssertEqual(try value(Double.self, "1E2"), 100)
        XCTAssertEqual(try value(Float.self, "0.1"), Float(0.1))
        XCTAssertEqual(try value(Float.self, "16777217"), 16777216)
        XCTAssertEqual(try value(Double.self, "2.2250738585072011e-308"), 2.2250738585072011e-308)
    }

    func testTypeMismatchForNumbers() {
        XCTAssertThrowsError(try value(Int.self, "\"1\"")) { error in
            XCTAssertEqual(summary(error), "typeMismatch Int Index 0")
        }
        XCTAssertThrowsError(try value(String.self, "1")) { error in
            XCTAssertEqual(summary(error), "typeMismatch String Index 0")
        }
        XCTAssertThrowsError(try value(Bool.self, "1")) { error in
            XCTAssertEqual(summary(error), "typeMismatch Bool Index 0")
        }
        XCTAssertThrowsError(try value(Double.self, "null")) { error in
            XCTAssertEqual(summary(error), "valueNotFound Double Index 0")
        }
    }
}
