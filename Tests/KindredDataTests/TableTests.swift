import Foundation
import KindredData
import XCTest

final class TableTests: XCTestCase {
    /// A root with images a.png (8×6), b.jpg (8×6), c.png (4×4).
    private func makeRoot() throws -> URL {
        let root = try makeTemporaryFolder(self)
        try FileManager.default.createDirectory(at: root.appendingPathComponent("img"), withIntermediateDirectories: true)
        try gradientImage(width: 8, height: 6).write(to: root.appendingPathComponent("img/a.png"))
        try gradientImage(width: 8, height: 6).write(to: root.appendingPathComponent("img/b.jpg"), format: .jpeg(quality: 90))
        try gradientImage(width: 4, height: 4).write(to: root.appendingPathComponent("img/c.png"))
        return root
    }

    private func write(_ text: String, to root: URL, name: String = "df.csv") throws -> URL {
        let url = root.appendingPathComponent(name)
        try DataFile.writeAtomically(Data(text.utf8), to: url)
        return url
    }

    func testCSVParserHandlesQuotesAndLineEnds() throws {
        let t = try CSVTable(parsing: "a,b,c\r\n1,\"x, \"\"y\"\"\",3\r\n\n\"multi\nline\",,\n", source: URL(fileURLWithPath: "/t.csv"))
        XCTAssertEqual(t.header, ["a", "b", "c"])
        XCTAssertEqual(t.rows.map(\.fields), [["1", "x, \"y\"", "3"], ["multi\nline", "", ""]])
        XCTAssertEqual(t.rows.map(\.line), [2, 4])
        XCTAssertThrowsError(try CSVTable(parsing: "a\n\"open", source: URL(fileURLWithPath: "/t.csv")))
    }

    func testValidTableLoadsAndCrops() throws {
        let root = try makeRoot()
        let csv = try write("""
            label,path,split,is_query,is_gallery,category,sequence,x_1,x_2,y_1,y_2
            cat,img/a.png,train,,,animal,,,,,
            dog,img/b.jpg,train,,,animal,s1,1,5,2,6
            cat,img/c.png,validation,True,True,animal,,,,,
            dog,img/a.png,validation,False,1,animal,,0,4,0,3
            """, to: root)
        let table = try RetrievalTable(contentsOf: csv)
        XCTAssertEqual(table.items.count, 4)
        XCTAssertEqual(table.items[1].boundingBox, BoundingBox(x1: 1, x2: 5, y1: 2, y2: 6))
        XCTAssertEqual(table.items[1].sequence, "s1")
        let train = RetrievalDataset(table: table, split: .train)
        XCTAssertEqual(train.labels, [0, 1])
        XCTAssertEqual(train.labelNames, ["cat", "dog"])
        let crop = try train.image(at: 1)
        XCTAssertEqual([crop.width, crop.height, crop.channels], [4, 4, 3])
        let validation = RetrievalDataset(table: table, split: .validation, channels: 1)
        XCTAssertEqual(validation.isQuery, [true, false])
        XCTAssertEqual(validation.isGallery, [true, true])
        let boxed = try validation.image(at: 1)
        XCTAssertEqual([boxed.width, boxed.height, boxed.channels], [4, 3, 1])

        // Written back out and read again, the table is the same.
        let copy = root.appendingPathComponent("copy.csv")
        try table.write(to: copy, relativeTo: root)
        XCTAssertEqual(try RetrievalTable(contentsOf: copy), table)
    }

    func testEveryBadRowIsReported() throws {
        let root = try makeRoot()
        let csv = try write("""
            label,path,split,is_query,is_gallery,x_1,x_2,y_1,y_2
            ,img/a.png,train,,,,,,
            cat,img/missing.png,train,,,,,,
            cat,img/a.png,test,,,,,,
            cat,img/a.png,validation,maybe,False,,,,
            cat,img/c.png,validation,True,False,0,10,0,2
            cat,img/a.png,train,,,3,1,0,2
            cat,img/a.png,validation,,False,,,,
            cat,img/a.png,train,,
            """, to: root)
        XCTAssertThrowsError(try RetrievalTable(contentsOf: csv)) { error in
            guard case let .invalidTable(url, problems) = error as? DataError else { return XCTFail("\(error)") }
            XCTAssertEqual(url, csv)
            let text = problems.map(\.description)
            func has(_ row: Int?, _ column: String?, _ fragment: String) {
                XCTAssertTrue(problems.contains { $0.row == row && $0.column == column && $0.message.contains(fragment) },
                              "expected row \(row.map(String.init) ?? "-") \(column ?? "-") “\(fragment)” in\n\(text.joined(separator: "\n"))")
            }
            has(2, "label", "empty label")
            has(3, "path", "does not exist")
            has(4, "split", "\"test\" is not a split")
            has(5, "is_query", "\"maybe\" is not a boolean")
            has(6, "x_2", "outside the 4×4 image")
            has(7, "x_1", "empty or negative")
            has(8, "is_query", "empty on a validation row")
            has(9, nil, "5 fields (expected 9")
            has(nil, "is_gallery", "no gallery")
            XCTAssertTrue("\(error)".contains("df.csv"))
        }
        let missingColumns = try write("label,path,split\ncat,img/a.png,train\n", to: root, name: "cols.csv")
        XCTAssertThrowsError(try RetrievalTable(contentsOf: missingColumns)) { error in
            XCTAssertTrue("\(error)".contains("missing columns \"is_query\", \"is_gallery\""), "\(error)")
        }
    }

    func testImageFolderProducesTheSameTable() throws {
        let root = try makeTemporaryFolder(self)
        for (label, count) in [("boots", 2), ("shirts", 3)] {
            let folder = root.appendingPathComponent(label)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            for i in 0..<count { try gradientImage(width: 3, height: 3).write(to: folder.appendingPathComponent("\(i).png")) }
        }
        try DataFile.writeAtomically(Data("notes".utf8), to: root.appendingPathComponent("shirts/readme.txt"))
        let table = try RetrievalTable(imageFolder: root, split: .validation)
        XCTAssertEqual(table.items.map(\.label), ["boots", "boots", "shirts", "shirts", "shirts"])
        XCTAssertTrue(table.items.allSatisfy { $0.isQuery && $0.isGallery })
        let csv = root.appendingPathComponent("df.csv")
        try table.write(to: csv, relativeTo: root)
        XCTAssertEqual(try RetrievalTable(contentsOf: csv).items.map(\.path.lastPathComponent), table.items.map(\.path.lastPathComponent))
        XCTAssertThrowsError(try RetrievalTable(imageFolder: root.appendingPathComponent("boots")))
    }

    func testPairsAndTriplets() throws {
        let root = try makeRoot()
        let pairs = try write("path_a,path_b,is_same\nimg/a.png,img/b.jpg,True\nimg/a.png,img/c.png,0\n", to: root, name: "pairs.csv")
        let read = try WeakSupervisionTable.pairs(contentsOf: pairs)
        XCTAssertEqual(read.map(\.isSame), [true, false])
        XCTAssertEqual(read[0].second.lastPathComponent, "b.jpg")
        let badPairs = try write("path_a,path_b,is_same\nimg/a.png,img/x.png,True\n,img/c.png,sometimes\n", to: root, name: "bad.csv")
        XCTAssertThrowsError(try WeakSupervisionTable.pairs(contentsOf: badPairs)) { error in
            guard case let .invalidTable(_, problems) = error as? DataError else { return XCTFail("\(error)") }
            XCTAssertEqual(problems.map(\.row), [2, 3, 3])
        }
        let triplets = try write("anchor,positive,negative\nimg/a.png,img/b.jpg,img/c.png\n", to: root, name: "t.csv")
        XCTAssertEqual(try WeakSupervisionTable.triplets(contentsOf: triplets).first?.negative.lastPathComponent, "c.png")
    }
}
