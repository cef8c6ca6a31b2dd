import Foundation
import XCTest
import VCTestSupport

/// The real explorer in a real terminal: tmux runs it on a private socket at 120×40, keys are
/// sent with `send-keys`, the screen is read with `capture-pane -p [-e]`.
///
/// The command under test is VCVIEW_EXPLORER_CMD when set; otherwise the built `vcview` binary on
/// the bundled photo assets/images/chelsea.png (with the bundled model); failing that, this test
/// bundle itself running the seeded small model through `ExplorerLauncher`. Skipped when tmux is
/// missing.
final class ScreenTests: XCTestCase {
    var pane: TmuxPane!

    override func setUpWithError() throws {
        let env = ProcessInfo.processInfo.environment
        if env["VCTUI_LAUNCH"] != nil { throw XCTSkip("inside a launched explorer") }
        guard TmuxPane.tmuxAvailable else { throw XCTSkip("tmux is not installed") }
    }

    override func tearDown() {
        pane?.kill()
        pane = nil
    }

    func start(_ extraEnv: [String: String] = [:], width: Int = 120, height: Int = 40, timings: String? = nil) throws {
        pane = try TmuxPane.launch(extraEnv: extraEnv, width: width, height: height, timings: timings)
    }

    /// The explorer draws the rail, predictions and heatmaps in colour.
    func testFirstScreen() throws {
        try start()
        let text = try pane.waitFor("first screen") { $0.contains("┌ch 0") && $0.contains("%") && $0.contains("forward ") && $0.contains(" ms") }
        for station in ["stem", "S1", "S2", "S3", "S4·FFN", "S4·Mamba", "head"] { XCTAssertTrue(text.contains(station), station) }
        XCTAssertTrue(text.contains("┌ prediction"))
        XCTAssertTrue(text.contains("? help"))
        XCTAssertGreaterThan(text.filter { $0 == "▀" }.count, 1000, "heatmaps and the picture are drawn with half-blocks")
        let escaped = pane.capture(escapes: true)
        XCTAssertTrue(escaped.contains("\u{1B}[38;5;") || escaped.contains("\u{1B}[38;2;"), "256-colour or RGB foregrounds")
        XCTAssertTrue(escaped.contains("48;5;") || escaped.contains("48;2;"), "half-block backgrounds")
    }

    /// The speed settings reach the process without the user's help, and override a user's
    /// OpenBLAS thread count (the engine owns its threads): the running explorer's environment
    /// after its one re-exec.
    func testLaunchEnvironmentIsSetForTheUser() throws {
        try start(["OPENBLAS_NUM_THREADS": "4"])
        _ = try pane.waitFor("first screen") { $0.contains("┌ch 0") && $0.contains("forward ") }
        let pid = try XCTUnwrap(pane.explorerPID(), "the explorer's pid")
        let environ = try XCTUnwrap(FileManager.default.contents(atPath: "/proc/\(pid)/environ"))
        let vars = environ.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        XCTAssertTrue(vars.contains("OPENBLAS_NUM_THREADS=1"), "\(vars.filter { $0.hasPrefix("OPENBLAS") })")
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        if cpuinfo.contains(" avx2") {
            XCTAssertTrue(vars.contains { $0.hasPrefix("OPENBLAS_CORETYPE=") }, "a core type on an AVX2/AVX-512 machine")
        }
    }

    /// `e` writes the view on screen as a PNG (decodable, with its sidecar) and says where.
    func testExportKeyWritesAPNG() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vcview-e-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try start(["VCVIEW_EXPORT_DIR": dir])
        _ = try pane.waitFor("first screen") { $0.contains("┌ch 0") && $0.contains("forward ") }
        pane.send("e")
        _ = try pane.waitFor("folder prompt") { $0.contains("export channels of network.4.0 to: \(dir)") }
        pane.send("Enter")
        let text = try pane.waitFor("export report") { $0.contains("exported channels of network.4.0 → \(dir)/") }
        XCTAssertTrue(text.contains("? help"))
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        let png = try XCTUnwrap(files.first { $0.hasSuffix("__network.4.0__channels.png") }, "\(files)")
        XCTAssertTrue(files.contains(String(png.dropLast(4)) + ".json"))
        let bytes = try Data(contentsOf: URL(fileURLWithPath: dir + "/" + png))
        XCTAssertEqual(Array(bytes.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], "a PNG signature")
    }

    /// Keys move the selection, and the screen follows. (Written for any VCMamba: it opens on
    /// stage 3, `]` goes to stage 4's FFN blocks, then to its Mamba layers.)
    func testKeysMoveTheSelection() throws {
        try start()
        _ = try pane.waitFor("first screen") { $0.contains("┌ch 0") && $0.contains("S3 · network.4.0 (FFN 1/") }
        pane.send("]")
        _ = try pane.waitFor("next stage") { $0.contains("S4·FFN · network.6.0") }
        pane.send("]")
        _ = try pane.waitFor("Mamba layers") { $0.contains("(Mamba 1/") }
        pane.send("}")
        _ = try pane.waitFor("next block") { $0.contains("(Mamba 2/") }
        pane.send("{", "{")
        _ = try pane.waitFor("back two blocks") { $0.contains("S4·FFN · network.6.") && !$0.contains("(Mamba ") }
        pane.send("o")
        _ = try pane.waitFor("sort by mean") { $0.contains("sort: mean") }
        pane.send("Tab")   // focus the rail
        pane.send("Up")
        _ = try pane.waitFor("rail: previous stage") { $0.contains("S3 · network.4.0 (FFN 1/") }
        pane.send("Tab", "Tab")   // sites, then back to the channels
        pane.send("l")
        pane.send("Enter")
        _ = try pane.waitFor("zoom") { $0.contains("zoom ch") && $0.contains("channel mean") && $0.contains("(0, 0)") }
        pane.send("j", "j", "l")
        _ = try pane.waitFor("cursor") { $0.contains("(2, 1)") }
        pane.send("Escape")
        _ = try pane.waitFor("back to the grid") { !$0.contains("zoom ch") && $0.contains(" · page ") }
        pane.send("g")
        _ = try pane.waitFor("first channel") { $0.contains("page 1/") }
        pane.send("PageDown")
        _ = try pane.waitFor("next page") { $0.contains("page 2/") }
        pane.send("?")
        _ = try pane.waitFor("help") { $0.contains("help: every key") }
        pane.send("?")
        _ = try pane.waitFor("help closed") { !$0.contains("help: every key") }
    }

    /// Clicks (SGR mouse reports, as a terminal sends them) select a stage, a channel, then zoom.
    func testMouse() throws {
        try start()
        var text = try pane.waitFor("first screen") { $0.contains("┌ch 3") }
        let (sx, sy) = try XCTUnwrap(TmuxPane.locate(" S2 ", in: text))
        pane.click(x: sx + 1, y: sy)
        text = try pane.waitFor("stage 2 selected") { $0.contains("S2 · network.2.0") }
        let (tx, ty) = try XCTUnwrap(TmuxPane.locate("┌ch 3", in: text))
        pane.click(x: tx + 2, y: ty + 2)
        pane.click(x: tx + 2, y: ty + 2)
        _ = try pane.waitFor("zoom on channel 3") { $0.contains("zoom ch 3") }
    }

    /// Shrinking to 60×20 keeps a usable screen; smaller shows a notice; enlarging restores it.
    func testResize() throws {
        try start()
        _ = try pane.waitFor("first screen") { $0.contains("┌ch 0") }
        pane.resize(60, 20)
        var text = try pane.waitFor("60×20") { s in
            let lines = s.split(separator: "\n", omittingEmptySubsequences: false)
            return lines.count >= 20 && !s.contains("┌ prediction") && s.contains("top:") && lines[19].contains("? help")
        }
        XCTAssertTrue(text.contains("stem") && text.contains("ch 0"))
        XCTAssertTrue(text.contains("┌ input"), "the picture stays, smaller, at 60×20")
        pane.resize(30, 10)
        _ = try pane.waitFor("too small") { $0.contains("too small") && $0.contains("? help") }
        pane.resize(120, 40)
        text = try pane.waitFor("back to 120×40") { $0.contains("┌ input") && $0.contains("┌ prediction") && $0.contains("┌ch 0") }
        XCTAssertFalse(text.contains("too small"))
    }

    /// `q` exits 0 and leaves the terminal as it found it.
    func testQuitRestoresTheTerminal() throws {
        try start()
        _ = try pane.waitFor("first screen") { $0.contains("┌ch 0") }
        pane.send("q")
        let text = try pane.waitFor("exit") { $0.contains("EXIT=") && $0.contains("STTY=") }
        XCTAssertTrue(text.contains("EXIT=0"), text)
        assertRestored(text)
    }

    func testCtrlCRestoresTheTerminal() throws {
        try start()
        _ = try pane.waitFor("first screen") { $0.contains("┌ch 0") }
        pane.send("C-c")
        let text = try pane.waitFor("exit") { $0.contains("EXIT=") && $0.contains("STTY=") }
        XCTAssertTrue(text.contains("EXIT=130"), text)
        assertRestored(text)
    }

    func testSIGTERMRestoresTheTerminal() throws {
        try start()
        _ = try pane.waitFor("first screen") { $0.contains("┌ch 0") }
        let pid = try XCTUnwrap(pane.explorerPID(), "explorer process")
        Foundation.kill(pid, SIGTERM)
        let text = try pane.waitFor("exit") { $0.contains("EXIT=") && $0.contains("STTY=") }
        XCTAssertTrue(text.contains("EXIT=143"), text)
        assertRestored(text)
    }

    /// A crash (a trap) in the background forward task: the crash handler restores the terminal
    /// before the process dies with the signal.
    func testCrashInBackgroundTaskRestoresTheTerminal() throws {
        try start(["VCVIEW_TEST_CRASH": "forward"])
        let text = try pane.waitFor("exit") { $0.contains("EXIT=") && $0.contains("STTY=") }
        let status = text.components(separatedBy: "EXIT=").last.flatMap { Int($0.prefix { $0.isNumber }) } ?? 0
        XCTAssertGreaterThan(status, 128, "died by a signal: \(text)")
        assertRestored(text)
    }

    func assertRestored(_ text: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertTrue(text.contains("STTY= icanon echo"), "terminal modes restored: \(text)", file: file, line: line)
        XCTAssertFalse(text.contains("┌ch 0"), "the explorer's screen is gone (alternate screen left)", file: file, line: line)
        let escaped = pane.capture(escapes: true)
        XCTAssertFalse(escaped.contains("?25l") , "cursor visible", file: file, line: line)
    }

    /// NO_COLOR: not one colour escape, data drawn with the glyph ramp.
    func testNoColor() throws {
        try start(["NO_COLOR": "1"])
        let text = try pane.waitFor("first screen") { $0.contains("┌ch 0") && $0.contains("%") }
        XCTAssertTrue(text.contains("none (glyph ramp)"))
        XCTAssertTrue(text.contains("░") || text.contains("▒") || text.contains("▓"))
        let colours = TmuxPane.colourParameters(pane.capture(escapes: true))
        XCTAssertEqual(colours, [], "colour SGR parameters found")
    }

    /// COLORTERM=truecolor switches to a direct-colour terminfo entry: RGB escapes.
    func testTruecolor() throws {
        try start(["COLORTERM": "truecolor"])
        _ = try pane.waitFor("first screen") { $0.contains("┌ch 0") && $0.contains("colours: truecolor") }
        XCTAssertTrue(pane.capture(escapes: true).contains("38;2;"))
    }

    /// Launch to first frame, forward time, view switches; the model runs once whatever is browsed.
    func testTimings() throws {
        let log = NSTemporaryDirectory() + "vctui-timings-\(getpid()).txt"
        try? FileManager.default.removeItem(atPath: log)
        let t0 = Date()
        try start(timings: log)
        _ = try pane.waitFor("title", poll: 0.01) { $0.contains("vcview") && $0.contains("S4·") }
        let seen = Date().timeIntervalSince(t0) * 1000
        _ = try pane.waitFor("activations") { $0.contains("┌ch 0") }
        for key in ["]", "}", "o", "Enter", "j", "Escape", "[", "[", "s", "c"] {
            pane.send(key)
            Thread.sleep(forTimeInterval: 0.15)
        }
        pane.send("q")
        _ = try pane.waitFor("exit") { $0.contains("EXIT=") }
        let lines = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        print("screen test: first frame visible in tmux after \(Int(seen)) ms (includes starting tmux and the test bundle)")
        print(lines)
        XCTAssertTrue(lines.contains("first_frame_ms"))
        XCTAssertTrue(lines.contains("forward_ms"))
        XCTAssertTrue(lines.contains("view_ms"))
        XCTAssertTrue(lines.contains("forward_runs 1"))
        XCTAssertFalse(lines.contains("forward_runs 2"), "moving between views never recomputes the model")
    }
}

/// One tmux server on a private socket with one pane running the explorer, then a shell epilogue
/// that prints the exit status and the terminal modes.
struct TmuxPane {
    let socket: String

    static var tmuxAvailable: Bool { run(["tmux", "-V"]).status == 0 }

    /// `subcommand` runs `vcview SUBCOMMAND IMAGE …` (e.g. "tour"); `arguments` are added after the image.
    static func launch(extraEnv: [String: String], width: Int, height: Int, timings: String?,
                       subcommand: String? = nil, arguments: [String] = []) throws -> TmuxPane {
        let env = ProcessInfo.processInfo.environment
        var vars = ["TERM": "xterm-256color", "LANG": "C.UTF-8", "VCTUI_LAUNCH": env["VCTUI_SCREEN_MODEL"] ?? "small"]
        if subcommand == "tour" { vars["VCTUI_TOUR"] = "1" }
        if arguments.contains("--presenter") { vars["VCTUI_PRESENTER"] = "1" }
        let extra = arguments.map { " '\($0)'" }.joined()
        if let t = timings { vars["VCVIEW_TIMINGS"] = t }
        for (k, v) in extraEnv { vars[k] = v }
        let command: String
        if let cmd = env["VCVIEW_EXPLORER_CMD"], !cmd.isEmpty {
            command = cmd
        } else if let vcview = builtBinary() {
            // The product itself, on a bundled photo, with the bundled demo model (or the tiny
            // fixture checkpoint on a checkout that has no demo model).
            let demo = Repository.asset("vcmamba-demo.safetensors")
            let weights = FileManager.default.fileExists(atPath: demo) ? "" : " --weights '\(Repository.fixture("checkpoints/official.pth"))'"
            let sub = subcommand.map { " \($0)" } ?? ""
            command = "'\(vcview)'\(sub) '\(Repository.asset("images/chelsea.png"))'\(weights)\(extra)"
        } else {
            let exe = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
            command = "'\(exe)' VCScreenTests.ExplorerLauncher/testLaunchWhenAsked"
        }
        let assignments = vars.sorted { $0.key < $1.key }.map { "\($0.key)='\($0.value)'" }.joined(separator: " ")
        let unset = extraEnv["COLORTERM"] == nil ? "-u COLORTERM " : ""
        let script = "env \(unset)-u NO_COLOR \(assignments) \(command); echo EXIT=$?; echo STTY= $(stty -a | grep -o -- '-\\?icanon') $(stty -a | grep -o -- ' -\\?echo ' | head -1); sleep 60"
        let pane = TmuxPane(socket: "vctui-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        let r = run(["tmux", "-L", pane.socket, "-f", "/dev/null", "new-session", "-d", "-x", "\(width)", "-y", "\(height)", script])
        guard r.status == 0 else { throw XCTSkip("tmux new-session failed: \(r.output)") }
        return pane
    }

    /// The `vcview` executable `swift build` put beside this test bundle, if any.
    static func builtBinary() -> String? { Repository.builtBinary }

    func send(_ keys: String...) { _ = TmuxPane.run(["tmux", "-L", socket, "send-keys"] + keys) }

    /// A left click at a 0-based cell, as an SGR (1006) mouse report, press then release.
    func click(x: Int, y: Int) {
        _ = TmuxPane.run(["tmux", "-L", socket, "send-keys", "-l", "\u{1B}[<0;\(x + 1);\(y + 1)M"])
        _ = TmuxPane.run(["tmux", "-L", socket, "send-keys", "-l", "\u{1B}[<0;\(x + 1);\(y + 1)m"])
    }

    /// The 0-based (column, row) of the first occurrence of `needle` on the screen.
    static func locate(_ needle: String, in screen: String) -> (Int, Int)? { ScreenText.locate(needle, in: screen) }

    /// Screen cells whose background is the 256-colour `code` (from `capture(escapes: true)`):
    /// (column, row) pairs, 0-based. Follows SGR 48;5;N, 49 and 0 as tmux writes them.
    static func cells(withBackground code: Int, in escaped: String) -> [(x: Int, y: Int)] {
        let grid = ColourCells(escaped)
        return grid.rows.enumerated().flatMap { y, row in row.indices.filter { row[$0].bg == "5;\(code)" }.map { (x: $0, y: y) } }
    }

    func resize(_ w: Int, _ h: Int) { _ = TmuxPane.run(["tmux", "-L", socket, "resize-window", "-x", "\(w)", "-y", "\(h)"]) }

    func capture(escapes: Bool = false) -> String {
        TmuxPane.run(["tmux", "-L", socket, "capture-pane", "-p"] + (escapes ? ["-e"] : [])).output
    }

    /// Polls the pane until `done` holds (default 30 s: the first build of a model can be slow).
    @discardableResult
    func waitFor(_ what: String, timeout: Double = 30, poll: Double = 0.05, _ done: (String) -> Bool) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        var text = ""
        while Date() < deadline {
            text = capture()
            if done(text) { return settled(text, poll: poll, done) }
            Thread.sleep(forTimeInterval: poll)
        }
        XCTFail("timed out waiting for \(what); the pane shows:\n\(text)")
        throw XCTSkip("gave up waiting for \(what)")
    }

    /// A capture can catch the explorer half-way through writing a frame: the new frame's top
    /// over the old frame's bottom (a CI run measured a box whose "└" belonged to the screen
    /// before). So a matching capture counts once a second one, a poll later, shows the same;
    /// a screen that keeps changing (playback) gets a few tries, then its latest match.
    func settled(_ first: String, poll: Double, _ done: (String) -> Bool) -> String {
        var last = first
        for _ in 0..<8 {
            Thread.sleep(forTimeInterval: poll)
            let next = capture()
            if next == last { return next }
            if done(next) { last = next }
        }
        return last
    }

    /// The explorer's pid: the child of the pane's shell.
    func explorerPID() -> pid_t? {
        let shell = TmuxPane.run(["tmux", "-L", socket, "list-panes", "-F", "#{pane_pid}"]).output.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let children = try? String(contentsOfFile: "/proc/\(shell)/task/\(shell)/children", encoding: .utf8) else { return nil }
        return children.split(separator: " ").first.flatMap { pid_t($0) }
    }

    func kill() { _ = TmuxPane.run(["tmux", "-L", socket, "kill-server"]) }

    /// Every colour parameter (30–38, 40–48, 90–97, 100–107) of the SGR sequences in `s`.
    static func colourParameters(_ s: String) -> [String] {
        var found: [String] = []
        ColourCells.scan(s, sgr: { params in
            let colour = params.split(whereSeparator: { $0 == ";" || $0 == ":" }).contains { p in
                Int(p).map { (30...38).contains($0) || (40...48).contains($0) || (90...97).contains($0) || (100...107).contains($0) } ?? false
            }
            if colour { found.append(params) }
        }, text: { _ in })
        return found
    }

    /// Runs a program (no shell) with posix_spawnp, output to a temporary file, and waits for it.
    /// (Foundation.Process hangs when it starts tmux: the server inherits the pipe it waits on.)
    static func run(_ argv: [String]) -> (status: Int32, output: String) {
        let out = NSTemporaryDirectory() + "vctui-spawn-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        defer { unlink(out) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let cargs = argv.map { strdup($0) } + [nil]
        let cenv = ProcessInfo.processInfo.environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { cargs.forEach { free($0) }; cenv.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawnp(&pid, argv[0], &actions, nil, cargs, cenv)
        guard rc == 0 else { return (-1, "posix_spawnp \(argv[0]): error \(rc)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let text = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
        let exited = status & 0x7f == 0
        return (exited ? (status >> 8) & 0xff : -1, text)
    }
}
