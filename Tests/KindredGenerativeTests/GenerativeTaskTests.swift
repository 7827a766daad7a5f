import XCTest
@testable import KindredGenerative

final class GenerativeTaskTests: XCTestCase {
    func testYAMLSpellingsRoundTrip() {
        for task in GenerativeTask.allCases {
            XCTAssertEqual(GenerativeTask(rawValue: task.rawValue), task)
        }
        XCTAssertEqual(GenerativeTask(rawValue: "cyclegan"), .cycleGAN)
        XCTAssertTrue(GenerativeTask.vae.hasEncoder)
        XCTAssertTrue(GenerativeTask.dcgan.isAdversarial)
    }
}
