import Foundation
import KindredNN
import XCTest

/// Shared helpers for the safetensors and state-loading tests.
enum SafetensorsTestSupport {
    /// A committed fixture next to this file (see Fixtures/make_safetensors_fixture.py).
    static func fixture(_ name: String, file: String = #filePath) -> URL {
        URL(fileURLWithPath: file).deletingLastPathComponent().appendingPathComponent("Fixtures").appendingPathComponent(name)
    }

    /// A fresh empty directory under the system's temporary directory.
    static func makeTemporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("kindred-safetensors-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A safetensors file made by hand: the header length (or `length`), `header`, then `data`.
    static func bytes(header: String, data: [UInt8] = [], length: UInt64? = nil) -> Data {
        let h = Array(header.utf8)
        return bytes(headerBytes: h, data: data, length: length)
    }

    static func bytes(headerBytes h: [UInt8], data: [UInt8] = [], length: UInt64? = nil) -> Data {
        var out = Data()
        withUnsafeBytes(of: (length ?? UInt64(h.count)).littleEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: h)
        out.append(contentsOf: data)
        return out
    }

    /// Little-endian bytes of float32 values.
    static func f32(_ values: [Float]) -> [UInt8] {
        values.flatMap { v in withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) } }
    }
}

final class SafetensorsTests: XCTestCase {
    typealias Support = SafetensorsTestSupport
    private var directory: URL!

    override func setUpWithError() throws { directory = try Support.makeTemporaryDirectory() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    /// Asserts that opening `data` throws a ``SafetensorsError`` accepted by `matches`.
    private func assertInvalid(_ data: Data, file: StaticString = #filePath, line: UInt = #line,
                               _ matches: (SafetensorsError) -> Bool) {
        do {
            let opened = try SafetensorsFile(data: data, fileName: "bad.safetensors")
            XCTFail("expected an error, opened \(opened.names)", file: file, line: line)
        } catch let error as SafetensorsError {
            XCTAssertTrue(matches(error), "unexpected error: \(error)", file: file, line: line)
            XCTAssertTrue(error.description.hasPrefix("bad.safetensors: "), "\(error)", file: file, line: line)
        } catch {
            XCTFail("unexpected error type: \(error)", file: file, line: line)
        }
    }

    // MARK: Round trips

    func testRoundTripFloat32ScalarEmptyAndMetadata() throws {
        let url = directory.appendingPathComponent("model.safetensors")
        let w = Tensor([1, -2.5, 3, 4e-8, 5, .greatestFiniteMagnitude], shape: [2, 3])
        let s = Tensor(scalar: 7)
        let e = Tensor.zeros([0, 4])
        try Safetensors.write([("w", w), ("s", s), ("e", e)], metadata: ["format": "pt", "epoch": "3"], to: url)

        let file = try SafetensorsFile(contentsOf: url)
        XCTAssertEqual(Set(file.names), ["w", "s", "e"])
        XCTAssertEqual(file.metadata, ["format": "pt", "epoch": "3"])
        XCTAssertEqual(file.info(named: "w")?.dtype, .float32)
        XCTAssertEqual(file.info(named: "w")?.shape, [2, 3])
        XCTAssertEqual(file.info(named: "s")?.shape, [])
        XCTAssertEqual(file.info(named: "e")?.shape, [0, 4])
        XCTAssertNil(file.info(named: "missing"))

        let w2 = try file.tensor(named: "w")
        XCTAssertEqual(w2.shape, [2, 3])
        XCTAssertEqual(w2.dtype, .float32)
        XCTAssertEqual(w2.scalars, w.scalars)
        let s2 = try file.tensor(named: "s")
        XCTAssertEqual(s2.shape, [])
        XCTAssertEqual(s2.item(), 7)
        let e2 = try file.tensor(named: "e")
        XCTAssertEqual(e2.shape, [0, 4])
        XCTAssertEqual(e2.count, 0)
        XCTAssertEqual(file.tensors().map(\.0), file.names)
    }

    func testRoundTripFloat64KeepsFullPrecision() throws {
        let url = directory.appendingPathComponent("f64.safetensors")
        let values = [0.1, -1e-300, .pi, 1e300]
        try Safetensors.write([("d", Tensor(doubles: values, shape: [2, 2]))], to: url)
        let file = try SafetensorsFile(contentsOf: url)
        XCTAssertEqual(file.info(named: "d")?.dtype, .float64)
        let asDouble = try file.tensor(named: "d", as: .float64)
        XCTAssertEqual(asDouble.dtype, .float64)
        XCTAssertEqual(asDouble.doubles, values)
        let asFloat = try file.tensor(named: "d")
        XCTAssertEqual(asFloat.dtype, .float32)
        XCTAssertEqual(asFloat.scalars, values.map { Float($0) })
    }

    func testFloat32ReadsAsFloat64() throws {
        let data = try Safetensors.serialize([("x", Tensor([0.1, -3], shape: [2]))])
        let t = try SafetensorsFile(data: data).tensor(named: "x", as: .float64)
        XCTAssertEqual(t.doubles, [Double(Float(0.1)), -3])
    }

    func testHeaderIsPaddedAndMixedDTypesAreAligned() throws {
        let tensors = [("a", Tensor([1, 2, 3], shape: [3])), ("b", Tensor(doubles: [4, 5], shape: [2])), ("c", Tensor([6], shape: [1]))]
        let data = try Safetensors.serialize(tensors, metadata: ["k": "v"])
        let headerLength = data.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        XCTAssertEqual(headerLength % 8, 0)
        let header = String(decoding: data[8..<(8 + headerLength)], as: UTF8.self)
        XCTAssertTrue(header.hasPrefix("{\"__metadata__\":{\"k\":\"v\"},\"a\":"), header)
        let json = header.trimmingCharacters(in: .whitespaces)
        XCTAssertTrue(json.hasSuffix("}"))
        XCTAssertLessThan(header.count - json.count, 8, "padding is spaces, fewer than 8")
        let file = try SafetensorsFile(data: data)
        XCTAssertEqual(file.info(named: "b")?.dataOffsets, 0..<16)
        XCTAssertEqual(file.info(named: "a")?.dataOffsets, 16..<28)
        XCTAssertEqual(file.info(named: "c")?.dataOffsets, 28..<32)
        XCTAssertEqual(file.names, ["b", "a", "c"])
        XCTAssertEqual(data.count, 8 + headerLength + 32)
        XCTAssertEqual(try file.tensor(named: "b", as: .float64).doubles, [4, 5])
    }

    func testNonContiguousTensorIsWrittenRowMajor() throws {
        let t = Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3]).transposed(0, 1)
        let file = try SafetensorsFile(data: try Safetensors.serialize([("t", t)]))
        let back = try file.tensor(named: "t")
        XCTAssertEqual(back.shape, [3, 2])
        XCTAssertEqual(back.scalars, [1, 4, 2, 5, 3, 6])
    }

    func testSerializeMatchesWriteAndWriteReplacesAtomically() throws {
        let url = directory.appendingPathComponent("w.safetensors")
        try Safetensors.write([("x", Tensor([1, 2], shape: [2]))], to: url)
        let replacement = [("y", Tensor([3, 4, 5], shape: [3]))]
        try Safetensors.write(replacement, metadata: ["v": "2"], to: url)
        XCTAssertEqual(try Data(contentsOf: url), try Safetensors.serialize(replacement, metadata: ["v": "2"]))
        XCTAssertEqual(try SafetensorsFile(contentsOf: url).names, ["y"])
        // No temporary file is left behind.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), ["w.safetensors"])
    }

    func testWriteIntoMissingDirectoryThrows() {
        let url = directory.appendingPathComponent("no/such/dir/w.safetensors")
        XCTAssertThrowsError(try Safetensors.write([("x", Tensor([1], shape: [1]))], to: url)) { error in
            guard case SafetensorsError.directoryNotFound(let file, let dir)? = error as? SafetensorsError else {
                return XCTFail("unexpected error \(error)")
            }
            XCTAssertEqual(file, url.path)
            XCTAssertTrue(dir.hasSuffix("no/such/dir"), dir)
            XCTAssertTrue("\(error)".contains("does not exist"))
        }
    }

    func testFailedWriteLeavesNoTemporaryFile() throws {
        // The destination is a directory: the final rename fails.
        let target = directory.appendingPathComponent("taken")
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: false)
        XCTAssertThrowsError(try Safetensors.write([("x", Tensor([1], shape: [1]))], to: target)) { error in
            guard case SafetensorsError.writeFailed(let file, _)? = error as? SafetensorsError else { return XCTFail("\(error)") }
            XCTAssertEqual(file, target.path)
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), ["taken"])
    }

    func testReadsFromADataSlice() throws {
        let full = try Safetensors.serialize([("a", Tensor([1, 2], shape: [2]))], metadata: ["m": "1"])
        let slice = (Data([9, 9, 9]) + full + Data([7]))[3..<(3 + full.count)]
        let file = try SafetensorsFile(data: slice, fileName: "slice")
        XCTAssertEqual(file.metadata, ["m": "1"])
        XCTAssertEqual(try file.tensor(named: "a").scalars, [1, 2])
    }

    func testWriteRejectsDuplicateAndReservedNames() {
        let x = Tensor([1], shape: [1])
        XCTAssertThrowsError(try Safetensors.serialize([("x", x), ("x", x)])) {
            XCTAssertEqual($0 as? SafetensorsError, .duplicateTensorName(file: "<memory>", tensor: "x"))
        }
        XCTAssertThrowsError(try Safetensors.serialize([("__metadata__", x)])) {
            XCTAssertEqual($0 as? SafetensorsError, .reservedTensorName(file: "<memory>", tensor: "__metadata__"))
        }
    }

    func testNamesAndMetadataNeedingJSONEscapes() throws {
        let names = ["quote\"d", "back\\slash", "new\nline", "tab\t", "ctrl\u{01}", "unicode é 漢字 🙂", ""]
        let tensors = names.enumerated().map { ($0.element, Tensor([Float($0.offset)], shape: [1])) }
        let metadata = ["a\"b": "c\\d\n", "é": "\u{1f}"]
        let file = try SafetensorsFile(data: try Safetensors.serialize(tensors, metadata: metadata))
        XCTAssertEqual(file.metadata, metadata)
        for (i, name) in names.enumerated() {
            XCTAssertEqual(try file.tensor(named: name).scalars, [Float(i)], name)
        }
    }

    func testEmptyFileWithNoTensors() throws {
        let data = try Safetensors.serialize([])
        let file = try SafetensorsFile(data: data)
        XCTAssertEqual(file.names, [])
        XCTAssertEqual(file.metadata, [:])
        XCTAssertThrowsError(try file.tensor(named: "x")) {
            XCTAssertEqual($0 as? SafetensorsError, .tensorNotFound(file: "<memory>", tensor: "x"))
            XCTAssertEqual("\($0)", "<memory>: no tensor named 'x'")
        }
    }

    func testFileIsMemoryMappedWhileOpen() throws {
        #if os(Linux)
        let url = directory.appendingPathComponent("mapped.safetensors")
        try Safetensors.write([("x", Tensor.zeros([1024]))], to: url)
        func mapped() throws -> Bool {
            // (String(contentsOfFile:) stops after 4 KiB of a /proc file; FileHandle reads it all.)
            let maps = try XCTUnwrap(FileHandle(forReadingAtPath: "/proc/self/maps"))
            defer { try? maps.close() }
            return String(decoding: try maps.readToEnd() ?? Data(), as: UTF8.self).contains(url.path)
        }
        var file: SafetensorsFile? = try SafetensorsFile(contentsOf: url)
        XCTAssertTrue(try mapped(), "the file should be mapped, not read")
        XCTAssertEqual(try file?.tensor(named: "x").count, 1024)
        file = nil
        XCTAssertFalse(try mapped(), "closing should unmap the file")
        #endif
    }

    // MARK: Files written by Python's safetensors

    func testReadsFileWrittenByPythonSafetensors() throws {
        let url = Support.fixture("reference.safetensors")
        let file = try SafetensorsFile(contentsOf: url)
        XCTAssertEqual(Set(file.names), ["f32", "f16", "bf16", "f64", "i64", "i32", "i8", "u8", "bool", "scalar", "empty"])
        XCTAssertEqual(file.metadata, ["format": "np", "source": "kindred fixture"])
        XCTAssertEqual(file.fileName, url.path)

        let f32 = try file.tensor(named: "f32")
        XCTAssertEqual(f32.shape, [2, 3])
        XCTAssertEqual(f32.scalars, [0, 1.5, -2.25, Float(1e-3), Float(3.4e38), -0.0])
        XCTAssertEqual(f32.scalars[5].sign, .minus)

        XCTAssertEqual(file.info(named: "f16"), SafetensorsTensorInfo(name: "f16", dtype: .float16, shape: [2, 3], dataOffsets: 100..<112))
        XCTAssertEqual(try file.tensor(named: "f16").scalars, [1, -0.5, 65504, 0x1p-24, .infinity, -2])
        XCTAssertEqual(file.info(named: "bf16")?.dtype, .bfloat16)
        XCTAssertEqual(try file.tensor(named: "bf16").scalars, [1, -2.5, 3.140625, 0x1p100])
        XCTAssertEqual(try file.tensor(named: "bf16", as: .float64).doubles, [1, -2.5, 3.140625, 0x1p100])

        XCTAssertEqual(file.info(named: "f64")?.dtype, .float64)
        XCTAssertEqual(try file.tensor(named: "f64", as: .float64).doubles, [0.1, 2.5, -3.75, 1e-10])
        XCTAssertEqual(try file.tensor(named: "f64").scalars, [Float(0.1), 2.5, -3.75, Float(1e-10)])

        XCTAssertEqual(file.info(named: "i64")?.dtype, .int64)
        XCTAssertEqual(try file.tensor(named: "i64", as: .float64).doubles, [0, -7, 123456789])
        XCTAssertEqual(try file.tensor(named: "i64").scalars, [0, -7, Float(123456789)])
        XCTAssertEqual(try file.tensor(named: "i32", as: .float64).doubles, [-1, 2147483647])
        XCTAssertEqual(try file.tensor(named: "i8").scalars, [-128, 127])
        XCTAssertEqual(try file.tensor(named: "u8").scalars, [0, 255])
        XCTAssertEqual(try file.tensor(named: "bool").scalars, [1, 0, 1])

        let scalar = try file.tensor(named: "scalar")
        XCTAssertEqual(scalar.shape, [])
        XCTAssertEqual(scalar.item(), 42)
        XCTAssertEqual(try file.tensor(named: "empty").shape, [0, 3])
    }

    // MARK: Conversions of every dtype

    func testAllHalfBitPatternsConvertExactly() throws {
        let bits = (0...UInt16.max).map { $0 }
        let raw = bits.flatMap { b in withUnsafeBytes(of: b.littleEndian) { Array($0) } }
        let header = "{\"h\":{\"dtype\":\"F16\",\"shape\":[\(bits.count)],\"data_offsets\":[0,\(raw.count)]}}"
        let values = try SafetensorsFile(data: Support.bytes(header: header, data: raw)).tensor(named: "h").scalars
        for (b, v) in zip(bits, values) {
            let sign: Float = b & 0x8000 != 0 ? -1 : 1
            let exponent = Int(b >> 10 & 0x1f), mantissa = Float(b & 0x3ff)
            let expected: Float
            switch exponent {
            case 0: expected = sign * mantissa * 0x1p-24
            case 31: expected = mantissa == 0 ? sign * .infinity : .nan
            default: expected = sign * (1 + mantissa / 1024) * Float(sign: .plus, exponent: exponent - 15, significand: 1)
            }
            if expected.isNaN {
                XCTAssertTrue(v.isNaN, "0x\(String(b, radix: 16))")
            } else {
                XCTAssertEqual(v.bitPattern, expected.bitPattern, "0x\(String(b, radix: 16))")
            }
        }
    }

    func testFloat8AndIntegerConversions() throws {
        let e4m3: [UInt8] = [0x00, 0x38, 0xb8, 0x7e, 0x01, 0x7f, 0x08]
        let e5m2: [UInt8] = [0x3c, 0x7c, 0xfc, 0x01, 0x80]
        let i16: [Int16] = [-32768, 32767], u16: [UInt16] = [65535], u32: [UInt32] = [4_000_000_000]
        let u64: [UInt64] = [1 << 40], i32: [Int32] = [-5]
        var data: [UInt8] = []
        var entries: [String] = []
        func add(_ name: String, _ dtype: String, _ count: Int, _ bytes: [UInt8]) {
            entries.append("\"\(name)\":{\"dtype\":\"\(dtype)\",\"shape\":[\(count)],\"data_offsets\":[\(data.count),\(data.count + bytes.count)]}")
            data += bytes
        }
        func le<I: FixedWidthInteger>(_ v: [I]) -> [UInt8] { v.flatMap { x in withUnsafeBytes(of: x.littleEndian) { Array($0) } } }
        add("e4m3", "F8_E4M3", e4m3.count, e4m3)
        add("e5m2", "F8_E5M2", e5m2.count, e5m2)
        add("i16", "I16", 2, le(i16))
        add("u16", "U16", 1, le(u16))
        add("u32", "U32", 1, le(u32))
        add("u64", "U64", 1, le(u64))
        add("i32", "I32", 1, le(i32))
        let file = try SafetensorsFile(data: Support.bytes(header: "{" + entries.joined(separator: ",") + "}", data: data))
        let f8 = try file.tensor(named: "e4m3").scalars
        XCTAssertEqual(Array(f8[0..<5]), [0, 1, -1, 448, 0x1p-9])
        XCTAssertTrue(f8[5].isNaN)
        XCTAssertEqual(f8[6], 0x1p-6)
        let e5 = try file.tensor(named: "e5m2").scalars
        XCTAssertEqual(e5, [1, .infinity, -.infinity, 0x1p-16, -0.0])
        XCTAssertEqual(try file.tensor(named: "i16", as: .float64).doubles, [-32768, 32767])
        XCTAssertEqual(try file.tensor(named: "u16", as: .float64).doubles, [65535])
        XCTAssertEqual(try file.tensor(named: "u32", as: .float64).doubles, [4_000_000_000])
        XCTAssertEqual(try file.tensor(named: "u64", as: .float64).doubles, [0x1p40])
        XCTAssertEqual(try file.tensor(named: "i32").scalars, [-5])
    }

    func testUnalignedDataIsReadCorrectly() throws {
        // A 1-byte tensor first puts the F32 and F64 data at odd offsets.
        let f64 = withUnsafeBytes(of: (2.5).bitPattern.littleEndian) { Array($0) }
        let header = """
        {"u":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"f":{"dtype":"F32","shape":[2],"data_offsets":[1,9]},\
        "d":{"dtype":"F64","shape":[1],"data_offsets":[9,17]}}
        """
        let file = try SafetensorsFile(data: Support.bytes(header: header, data: [7] + Support.f32([1.5, -2]) + f64))
        XCTAssertEqual(try file.tensor(named: "f").scalars, [1.5, -2])
        XCTAssertEqual(try file.tensor(named: "d", as: .float64).doubles, [2.5])
        XCTAssertEqual(try file.tensor(named: "u").scalars, [7])
    }

    // MARK: Malformed files

    func testTooShortFile() {
        assertInvalid(Data()) { $0 == .fileTooShort(file: "bad.safetensors", size: 0) }
        assertInvalid(Data([1, 0, 0, 0, 0, 0, 0])) { $0 == .fileTooShort(file: "bad.safetensors", size: 7) }
    }

    func testHugeHeaderLength() {
        assertInvalid(Support.bytes(header: "{}", length: 200_000_000)) {
            $0 == .headerTooLarge(file: "bad.safetensors", length: 200_000_000, limit: Safetensors.maxHeaderLength)
        }
        assertInvalid(Support.bytes(header: "{}", length: .max)) { if case .headerTooLarge = $0 { return true }; return false }
    }

    func testHeaderLengthPastEndOfFile() {
        assertInvalid(Support.bytes(header: "{}", length: 100)) { $0 == .headerOutOfBounds(file: "bad.safetensors", length: 100, fileSize: 10) }
    }

    func testHeaderNotUTF8() {
        assertInvalid(Support.bytes(headerBytes: [0x7b, 0xff, 0xfe, 0x7d])) { $0 == .headerNotUTF8(file: "bad.safetensors") }
    }

    func testBadJSON() {
        // (Foundation's parser tolerates trailing commas; everything else non-standard is rejected.)
        for header in ["{\"a\": ", "", "{'a': 1}", "{} trailing", "{\"a\": 01}", "{\"a\": NaN}", "{\"a\": 1 /* c */}", "{\"a\": \"\u{01}\"}"] {
            assertInvalid(Support.bytes(header: header)) { if case .malformedHeader = $0 { return true }; return false }
        }
    }

    func testHeaderNotAnObject() {
        for header in ["[1, 2]", "\"text\"", "42", "null"] {
            assertInvalid(Support.bytes(header: header)) { $0 == .headerNotObject(file: "bad.safetensors") }
        }
    }

    func testDeeplyNestedJSONDoesNotCrash() {
        let header = "{\"a\":" + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "}"
        assertInvalid(Support.bytes(header: header)) { _ in true }
    }

    func testDuplicateJSONKeysDoNotCrash() {
        let header = """
        {"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}
        """
        let data = Support.bytes(header: header, data: Support.f32([1]))
        if let file = try? SafetensorsFile(data: data) { XCTAssertEqual(file.names, ["a"]) }
    }

    func testEntriesWithMissingOrMistypedFields() {
        let cases: [(String, String)] = [
            ("{\"a\":{\"shape\":[1],\"data_offsets\":[0,4]}}", "missing 'dtype'"),
            ("{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", "missing 'shape'"),
            ("{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", "missing 'data_offsets'"),
            ("{\"a\":{\"dtype\":32,\"shape\":[1],\"data_offsets\":[0,4]}}", "'dtype' must be a string"),
            ("{\"a\":{\"dtype\":\"F32\",\"shape\":\"1\",\"data_offsets\":[0,4]}}", "'shape' must be an array of integers"),
            ("{\"a\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}", "'shape' must be an array of integers"),
            ("{\"a\":{\"dtype\":\"F32\",\"shape\":[true],\"data_offsets\":[0,4]}}", "'shape' must be an array of integers"),
            ("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}}", "'data_offsets' must be [begin, end]"),
            ("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,1e40]}}", "'data_offsets' must be an array of integers"),
            ("{\"a\":[1,2]}", "expected an object"),
            ("{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,4294967296],\"data_offsets\":[0,4]}}", "too many elements"),
        ]
        for (header, detail) in cases {
            assertInvalid(Support.bytes(header: header, data: Support.f32([1]))) {
                guard case .invalidEntry(let file, let tensor, let d) = $0 else { return false }
                return file == "bad.safetensors" && tensor == "a" && d.contains(detail)
            }
        }
    }

    func testUnknownDType() {
        let header = "{\"w\":{\"dtype\":\"F128\",\"shape\":[1],\"data_offsets\":[0,16]}}"
        assertInvalid(Support.bytes(header: header, data: [UInt8](repeating: 0, count: 16))) {
            $0 == .unknownDType(file: "bad.safetensors", tensor: "w", dtype: "F128")
        }
    }

    func testNegativeDimension() {
        let header = "{\"w\":{\"dtype\":\"F32\",\"shape\":[-1,4],\"data_offsets\":[0,4]}}"
        assertInvalid(Support.bytes(header: header, data: Support.f32([1]))) {
            $0 == .negativeDimension(file: "bad.safetensors", tensor: "w", shape: [-1, 4])
        }
    }

    func testOffsetsBeginAfterEndOrNegative() {
        let reversed = "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,0]}}"
        assertInvalid(Support.bytes(header: reversed, data: Support.f32([1]))) {
            $0 == .invalidOffsets(file: "bad.safetensors", tensor: "w", begin: 4, end: 0)
        }
        let negative = "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[-4,0]}}"
        assertInvalid(Support.bytes(header: negative, data: Support.f32([1]))) {
            $0 == .invalidOffsets(file: "bad.safetensors", tensor: "w", begin: -4, end: 0)
        }
    }

    func testShapeAndByteCountMismatch() {
        let header = "{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}"
        assertInvalid(Support.bytes(header: header, data: Support.f32([1, 2]))) {
            $0 == .byteCountMismatch(file: "bad.safetensors", tensor: "w", dtype: .float32, shape: [3], expected: 12, actual: 8)
        }
    }

    func testLyingOffsetsPastTheBuffer() {
        let header = "{\"w\":{\"dtype\":\"F32\",\"shape\":[100],\"data_offsets\":[0,400]}}"
        assertInvalid(Support.bytes(header: header, data: Support.f32([1, 2]))) {
            $0 == .dataOutOfBounds(file: "bad.safetensors", tensor: "w", end: 400, bufferSize: 8)
        }
    }

    func testTruncatedFile() throws {
        let full = try Safetensors.serialize([("a", Tensor([1, 2], shape: [2])), ("b", Tensor([3, 4], shape: [2]))])
        assertInvalid(full.dropLast(3)) { $0 == .dataOutOfBounds(file: "bad.safetensors", tensor: "b", end: 16, bufferSize: 13) }
        // Cut inside the header.
        assertInvalid(full.prefix(20)) { if case .headerOutOfBounds = $0 { return true }; return false }
    }

    func testOverlappingTensors() {
        let header = """
        {"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}
        """
        assertInvalid(Support.bytes(header: header, data: Support.f32([1, 2, 3]))) {
            $0 == .overlappingTensors(file: "bad.safetensors", tensor: "b", other: "a")
        }
        let same = """
        {"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}
        """
        assertInvalid(Support.bytes(header: same, data: Support.f32([1]))) {
            $0 == .overlappingTensors(file: "bad.safetensors", tensor: "b", other: "a")
        }
    }

    func testGapsAndUnusedBytes() {
        let gap = """
        {"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}
        """
        assertInvalid(Support.bytes(header: gap, data: Support.f32([1, 2, 3]))) { $0 == .gapInData(file: "bad.safetensors", begin: 4, end: 8) }
        let leading = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}"
        assertInvalid(Support.bytes(header: leading, data: Support.f32([1, 2]))) { $0 == .gapInData(file: "bad.safetensors", begin: 0, end: 4) }
        let trailing = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}"
        assertInvalid(Support.bytes(header: trailing, data: Support.f32([1, 2]))) { $0 == .gapInData(file: "bad.safetensors", begin: 4, end: 8) }
    }

    func testInvalidMetadata() {
        assertInvalid(Support.bytes(header: "{\"__metadata__\":{\"epoch\":3}}")) {
            guard case .invalidMetadata(_, let detail) = $0 else { return false }
            return detail.contains("epoch")
        }
        assertInvalid(Support.bytes(header: "{\"__metadata__\":[\"x\"]}")) { if case .invalidMetadata = $0 { return true }; return false }
    }

    func testUnreadablePaths() {
        let missing = directory.appendingPathComponent("nope.safetensors")
        XCTAssertThrowsError(try SafetensorsFile(contentsOf: missing)) { error in
            guard case SafetensorsError.unreadable(let file, _)? = error as? SafetensorsError else { return XCTFail("\(error)") }
            XCTAssertEqual(file, missing.path)
        }
        XCTAssertThrowsError(try SafetensorsFile(contentsOf: directory)) { error in
            XCTAssertEqual(error as? SafetensorsError, .unreadable(file: directory.path, reason: "is a directory"))
        }
    }

    func testErrorMessagesNameFileAndTensor() {
        let header = "{\"layer.weight\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}"
        do {
            _ = try SafetensorsFile(data: Support.bytes(header: header, data: Support.f32([1, 2])), fileName: "/models/net.safetensors")
            XCTFail("expected an error")
        } catch {
            XCTAssertEqual("\(error)", "/models/net.safetensors: tensor 'layer.weight': F32 with shape [3] needs 12 bytes, data_offsets span 8")
        }
    }
}
