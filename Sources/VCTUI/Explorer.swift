import CNcurses
import Dispatch
import Foundation
import Synchronization
import VCEngine
import VCRecording

/// Runs the explorer full-screen until the user quits. Returns the process exit status: 0 on
/// `q`, 128 + n after signal n (Ctrl-C gives 130, SIGTERM 143). The terminal is restored on
/// every path: quit, thrown errors, SIGINT/SIGTERM/SIGHUP/SIGQUIT, and crash signals.
///
/// The forward pass runs once, on a background queue, while the UI already shows the rail and
/// the picture; it reports progress and its result as events. Nothing recomputes it afterwards.
public func runExplorer(session: ExplorerSession) throws -> Int32 {
    let clock = Stopwatch()
    let timings = TimingLog(path: session.options.timingsPath ?? ProcessInfo.processInfo.environment["VCVIEW_TIMINGS"])
    let queue = EventQueue()
    let rail = Rail(config: session.config, inputHeight: session.inputHeight, inputWidth: session.inputWidth)
    startForward(session: session, rail: rail, queue: queue, timings: timings)

    SignalGuard.install()
    let env = ProcessInfo.processInfo.environment
    let graphics = isatty(0) == 1 && isatty(1) == 1 ? GraphicsSetup.detect(request: session.options.graphics, environment: env) : .halfBlocks
    let screen = try Screen(request: session.options.colors, mouse: session.options.mouse, graphics: graphics)
    SignalGuard.screenStarted()
    defer { screen.end(); SignalGuard.uninstall() }

    var info = session.info
    info.colorDepthLabel = screen.depth.label + (graphics.mode == .none ? "" : ", pixels: \(graphics.mode.label)")
    var state = ExplorerState(info: info, rail: rail, size: screen.size)
    state.exportDirectory = session.options.exportDirectory
    state.presenter = session.options.presenter
    if session.options.tour {
        state.startTour(autoplay: session.options.tourAutoplay, dwellMilliseconds: session.options.tourDwellSeconds * 1000)
    }
    var dirty = true
    var firstFrame = true
    var pendingKey: (String, UInt64)? = nil   // the key whose effect is being timed
    var lab: MambaAnalysis? = nil             // the Mamba computations, once the forward pass is done
    let computeQueue = DispatchQueue(label: "vcview.mamba", qos: .userInitiated)
    let exportQueue = DispatchQueue(label: "vcview.export", qos: .utility)
    let exports = ExportRunner(session: session)
    // Gradient maps: their own queue (a gradient pass costs a few forwards, the Mamba jobs must not
    // wait behind it); the gradient model is built by the first job, not before.
    let gradientQueue = DispatchQueue(label: "vcview.gradients", qos: .userInitiated)
    let attribution = session.gradients.flatMap { make in session.input.map { AttributionAnalysis(input: $0, gradients: make) } }
    let onScreen = WantedJobs()
    var lastFrame = DispatchTime.now().uptimeNanoseconds
    timings.log("terminal \(screen.termName) depth \(screen.depth.rawValue) size \(state.size.width)x\(state.size.height)")
    timings.log(String(format: "graphics %@ (%@) cell %dx%d probe_ms %.1f", graphics.mode.rawValue, graphics.reason, graphics.cell.width, graphics.cell.height, graphics.probeMilliseconds))

    while true {
        for e in queue.drain() {
            switch e {
            case .forwardDone(let store, let ms):
                timings.log(String(format: "forward_ms %.1f", ms))
                if let model = session.model { lab = MambaAnalysis(model: model, recording: store) }
            case .computed(let r):
                timings.log(String(format: "mamba_ms %@ %.2f", r.job.label, r.milliseconds))
            case .attributed(let r):
                if let m = r.modelMilliseconds { timings.log(String(format: "gradient_model_ms %.1f", m)) }
                timings.log(String(format: "gradient_ms %@ %.2f", r.job.label, r.milliseconds))
            default: break
            }
            state = update(state, e)
            dirty = true
        }
        // Derived Mamba quantities the screen needs: computed off the UI thread, one at a time.
        if let lab {
            let jobs = jobsToStart(state)
            if !jobs.isEmpty {
                state = update(state, .jobsStarted(jobs))
                for job in jobs { computeQueue.async { queue.post(.computed(lab.run(job))) } }
            }
        }
        // Gradient maps on screen: one queue, and a job whose map left the screen before its turn
        // is skipped (moving through blocks does not line up a gradient pass per block).
        if state.isForwardDone {
            onScreen.set(wantedAttributionJobs(state))
            let jobs = attributionJobsToStart(state)
            if !jobs.isEmpty {
                state = update(state, .attributionsStarted(jobs))
                for job in jobs {
                    guard let attribution else {
                        queue.post(.attributed(AttributionResult(job: job, output: .failure(MambaJobError("this session has no gradient model")), milliseconds: 0)))
                        continue
                    }
                    gradientQueue.async {
                        queue.post(onScreen.contains(job) ? .attributed(attribution.run(job)) : .attributionDropped(job))
                    }
                }
            }
        }
        // e / E: the export runs in the background and reports one line.
        if let request = state.exportRequest, state.store != nil {
            let v = state.currentExportView, options = state.exportOptions, analysis = lab
            let directory = state.exportDirectory
            state = update(state, .exportStarted)
            exportQueue.async {
                let t0 = DispatchTime.now().uptimeNanoseconds
                let message = exports.run(request, view: v, options: options, analysis: analysis, directory: directory)
                timings.log(String(format: "export_ms %.1f", Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6))
                queue.post(.exportFinished(message))
            }
            dirty = true
        }
        if dirty {
            screen.draw(view(state))
            dirty = false
            if firstFrame {
                firstFrame = false
                timings.log(String(format: "first_frame_ms %.1f (since process start %.1f)", clock.ms, Stopwatch.sinceProcessStart()))
            }
            if let (name, t0) = pendingKey {
                timings.log(String(format: "view_ms %@ %.2f site %@", name, Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6, state.siteName))
                pendingKey = nil
            }
        }
        if state.shouldQuit { return 0 }
        if let sig = SignalGuard.pending() { return 128 + sig }
        let running: Bool
        if case .running = state.phase { running = true } else { running = false }
        var timeout = running ? 80 : 250
        if let interval = state.frameInterval {
            let since = Double(DispatchTime.now().uptimeNanoseconds - lastFrame) / 1e6
            timeout = min(timeout, max(1, Int((interval - since).rounded(.up))))
        } else if !state.cache.pending.isEmpty || !state.attributions.pending.isEmpty {
            timeout = 40   // a computation is on its way: look for its result soon
        }
        guard let events = screen.readEvents(timeoutMs: Int32(timeout)) else { return 0 }   // terminal gone
        if events.isEmpty && running {
            state = update(state, .tick)
            dirty = true
        }
        // Animation: a frame event carries the time since the previous one.
        let now = DispatchTime.now().uptimeNanoseconds
        if let interval = state.frameInterval {
            let elapsed = Double(now - lastFrame) / 1e6
            if elapsed >= interval {
                state = update(state, .frame(milliseconds: min(elapsed, 1000)))
                lastFrame = now
                dirty = true
            }
        } else {
            lastFrame = now
        }
        for e in events {
            if case .key(let k) = e { pendingKey = ("\(k)", DispatchTime.now().uptimeNanoseconds) }
            state = update(state, e)
            dirty = true
        }
    }
}

/// Runs the model on a background queue and posts progress, then the finished store.
func startForward(session: ExplorerSession, rail: Rail, queue: EventQueue, timings: TimingLog) {
    let forward = session.forward
    DispatchQueue.global(qos: .userInitiated).async {
        let railIndex = Dictionary(rail.blocks.enumerated().map { ($1.site, $0) }, uniquingKeysWith: { a, _ in a })
        let observer = ProgressObserver(railIndex: railIndex, count: rail.blocks.count, queue: queue)
        let t0 = DispatchTime.now().uptimeNanoseconds
        // Test hook: a crash in this background task must still leave the terminal usable
        // (ScreenTests.testCrashInBackgroundTaskRestoresTheTerminal).
        if ProcessInfo.processInfo.environment["VCVIEW_TEST_CRASH"] == "forward" {
            Thread.sleep(forTimeInterval: 0.5)
            fatalError("VCVIEW_TEST_CRASH: deliberate crash in the forward-pass task")
        }
        do {
            let logits = try forward(observer)
            try observer.recorder.checkLimit(inputHeight: session.inputHeight, inputWidth: session.inputWidth)
            let ms = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6
            let t1 = DispatchTime.now().uptimeNanoseconds
            let store = Recording(order: observer.recorder.order, tensors: observer.recorder.tensors, catalogue: rail.sites,
                                  logits: logits, picture: session.info.picture)
            timings.log(String(format: "store_ms %.1f sites %d", Double(DispatchTime.now().uptimeNanoseconds - t1) / 1e6, store.order.count))
            timings.log("forward_runs \(ForwardCounter.increment())")
            queue.post(.forwardDone(store, milliseconds: ms))
        } catch {
            queue.post(.forwardFailed("\(error)"))
        }
    }
}

/// How many forward passes this process ran (the explorer runs exactly one).
enum ForwardCounter {
    static let count = Atomic<Int>(0)
    static func increment() -> Int { count.add(1, ordering: .relaxed).newValue }
}

/// Records every site and reports each rail block as the forward pass reaches it.
final class ProgressObserver: ActivationObserver {
    let recorder = RecordingObserver(SitePattern("*"), byteLimit: RecordingObserver.defaultByteLimit)
    let railIndex: [String: Int]
    let count: Int
    let queue: EventQueue

    init(railIndex: [String: Int], count: Int, queue: EventQueue) {
        self.railIndex = railIndex; self.count = count; self.queue = queue
    }

    func wants(_ site: String) -> Bool { recorder.wants(site) }

    func record(_ site: String, _ tensor: Tensor) {
        recorder.record(site, tensor)
        if let i = railIndex[site] { queue.post(.forwardProgress(fraction: Double(i + 1) / Double(count), site: site)) }
    }
}

/// The gradient maps the screen shows now, read by the background queue before it starts one.
final class WantedJobs: Sendable {
    private let jobs = Mutex<Set<AttributionJob>>([])
    func set(_ list: [AttributionJob]) { jobs.withLock { $0 = Set(list) } }
    func contains(_ job: AttributionJob) -> Bool { jobs.withLock { $0.contains(job) } }
}

/// Events from other threads to the UI loop.
final class EventQueue: Sendable {
    private let events = Mutex<[Event]>([])
    func post(_ e: Event) { events.withLock { $0.append(e) } }
    func drain() -> [Event] { events.withLock { let out = $0; $0 = []; return out } }
}

/// Milliseconds since a start.
struct Stopwatch {
    let start = DispatchTime.now().uptimeNanoseconds
    var ms: Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6 }

    /// Milliseconds since this process started (Linux: /proc/self/stat), or -1 when unknown.
    static func sinceProcessStart() -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")"),
              let uptime = try? String(contentsOfFile: "/proc/uptime", encoding: .utf8),
              let up = Double(uptime.split(separator: " ").first ?? "") else { return -1 }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // Field 22 (starttime) is the 20th after the command name's closing parenthesis.
        guard fields.count > 19, let ticks = Double(fields[19]) else { return -1 }
        return (up - ticks / Double(sysconf(Int32(_SC_CLK_TCK)))) * 1000
    }
}

/// Appends timing lines to a file (no-op without a path). Thread-safe.
final class TimingLog: Sendable {
    let path: String?
    private let lock = Mutex<Void>(())
    init(path: String?) { self.path = path.flatMap { $0.isEmpty ? nil : $0 } }

    func log(_ line: String) {
        guard let path else { return }
        lock.withLock { _ in
            guard let data = (line + "\n").data(using: .utf8) else { return }
            if let h = FileHandle(forWritingAtPath: path) {
                h.seekToEndOfFile(); h.write(data); try? h.close()
            } else {
                _ = FileManager.default.createFile(atPath: path, contents: data)
            }
        }
    }
}

/// Restores the terminal when a signal arrives. Termination signals (INT, TERM, HUP, QUIT) are
/// noted and handled by the UI loop within one input timeout; a second one, or a crash signal,
/// restores the terminal inside the handler and lets the default action (or the previous
/// handler, such as Swift's backtracer) run.
enum SignalGuard {
    static let flag = Atomic<Int32>(0)
    static let active = Atomic<Bool>(false)
    static let termination: [Int32] = [SIGINT, SIGTERM, SIGHUP, SIGQUIT]
    static let crash: [Int32] = [SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP]
    /// Previous actions, indexed by signal number (allocated once, read by the handler).
    nonisolated(unsafe) static let previous: UnsafeMutablePointer<sigaction> = {
        let p = UnsafeMutablePointer<sigaction>.allocate(capacity: 65)
        p.initialize(repeating: sigaction(), count: 65)
        return p
    }()

    static func install() {
        _ = previous
        for s in termination + crash {
            var sa = sigaction()
            sa.__sigaction_handler.sa_handler = s == SIGINT || termination.contains(s) ? onTermination : onCrash
            sigemptyset(&sa.sa_mask)
            sa.sa_flags = Int32(SA_RESTART)
            sigaction(s, &sa, previous + Int(s))
        }
    }

    static func screenStarted() { active.store(true, ordering: .sequentiallyConsistent) }

    static func uninstall() {
        active.store(false, ordering: .sequentiallyConsistent)
        for s in termination + crash { sigaction(s, previous + Int(s), nil) }
    }

    /// The signal to exit for, if one arrived.
    static func pending() -> Int32? {
        let s = flag.load(ordering: .sequentiallyConsistent)
        return s == 0 ? nil : s
    }

    static let onTermination: @convention(c) (Int32) -> Void = { sig in
        let (exchanged, _) = SignalGuard.flag.compareExchange(expected: 0, desired: sig, ordering: .sequentiallyConsistent)
        if !exchanged {   // the loop did not get to it: restore here and die
            if SignalGuard.active.load(ordering: .sequentiallyConsistent) { endwin() }
            signal(sig, SIG_DFL)
            raise(sig)
        }
    }

    /// Set by a crash signal: the UI thread must not touch curses again (a refresh or a read
    /// after `endwin` puts the terminal back into curses' raw mode).
    static let crashed = Atomic<Bool>(false)

    static let onCrash: @convention(c) (Int32) -> Void = { sig in
        if SignalGuard.active.load(ordering: .sequentiallyConsistent) {
            endwin()
            // A crash on a background thread: the UI thread may be inside a refresh or a read
            // right now, which would undo endwin. Tell it to stop, give it a moment to finish the
            // call it is in and park, then restore the terminal once more.
            SignalGuard.crashed.store(true, ordering: .sequentiallyConsistent)
            var pause = timespec(tv_sec: 0, tv_nsec: 150_000_000)
            nanosleep(&pause, nil)
            endwin()
        }
        sigaction(sig, SignalGuard.previous + Int(sig), nil)
        raise(sig)
    }
}
