import Foundation
import XCTest
import VCTUI

/// Not a test: the way the screen tests start the real explorer before `vcview IMAGE` exists in
/// this branch. The test bundle runs itself with VCTUI_LAUNCH=small|S|M|B and this one test as
/// the filter; it then opens the explorer on a seeded model and exits with runExplorer's status.
/// Skipped in ordinary runs.
final class ExplorerLauncher: XCTestCase {
    func testLaunchWhenAsked() throws {
        let env = ProcessInfo.processInfo.environment
        guard let variant = env["VCTUI_LAUNCH"] else { throw XCTSkip("launches the explorer only when VCTUI_LAUNCH is set") }
        let options = ExplorerOptions(colors: ColorRequest(rawValue: env["VCTUI_COLORS"] ?? "auto") ?? .auto,
                                      tour: env["VCTUI_TOUR"] != nil,
                                      tourDwellSeconds: env["VCTUI_TOUR_DWELL"].flatMap(Double.init) ?? 12)
        var presenterOptions = options
        presenterOptions.presenter = env["VCTUI_PRESENTER"] != nil
        let session = try ExplorerSession.seeded(variant: variant, options: presenterOptions)
        let status = try runExplorer(session: session)
        // As `vcview` does: background analyses may still be running, so no static destructors.
        fflush(nil)
        _exit(status)
    }
}
