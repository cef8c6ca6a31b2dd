import ArgumentParser
import Foundation
import VCEngine

/// Process entry: make sure OpenBLAS picks its fast kernels, then parse the command line.
@main
enum Entry {
    static func main() {
        LaunchEnvironment.ensure()
        MemoryTuning.apply()
        PeakReport.installIfAsked()
        VCView.main()
    }
}

struct VCView: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vcview",
        abstract: "Look inside VCMamba: run a photo through the network and explore every activation.",
        discussion: """
        Weights: official VCMamba .pth checkpoints (training format, bare or nested state dicts, fp16/bf16) \
        and safetensors files with the official key names. Pickles are parsed, never executed.
        """,
        version: VCViewVersion.string,
        subcommands: [Explore.self, Predict.self, Inspect.self, Dump.self, Export.self, Tour.self, Bench.self, ERF.self, Attribute.self],
        defaultSubcommand: Explore.self
    )
}

enum VCViewVersion {
    static let string = "0.1.0"
}

/// Settings that must be in the environment before the process starts, applied by re-executing
/// once (users never have to know):
/// - Debian's OpenBLAS 0.3.21 does not recognise recent Xeons and falls back to its SSE3 kernels
///   (5-8x slower); the core type is read in the library's constructor, before `main`.
/// - OpenBLAS starts its own thread pool at load unless told it needs one thread.
/// - Swift's crash backtracer is interactive on a terminal (it waits 25 s for a key after a crash);
///   the explorer restores the terminal on a crash and should then exit, so it is made
///   non-interactive. It is read at runtime start-up too.
enum LaunchEnvironment {
    static func ensure() {
        guard getenv("VCVIEW_NO_REEXEC") == nil else { return }
        var changed = false
        if getenv("OPENBLAS_CORETYPE") == nil, let core = coreType() {
            setenv("OPENBLAS_CORETYPE", core, 1)
            changed = true
        }
        if getenv("OPENBLAS_NUM_THREADS").map({ String(cString: $0) }) != "1" {
            // The engine runs OpenBLAS single-threaded and splits work itself (`--threads`); any
            // other value only makes the library start workers at load that spin on our cores.
            setenv("OPENBLAS_NUM_THREADS", "1", 1)
            changed = true
        }
        if getenv("SWIFT_BACKTRACE") == nil {
            setenv("SWIFT_BACKTRACE", "interactive=no", 1)
            changed = true
        }
        guard changed else { return }
        setenv("VCVIEW_NO_REEXEC", "1", 1)
        var args = CommandLine.arguments.map { strdup($0) }
        args.append(nil)
        execv("/proc/self/exe", &args)
        // execv only returns on failure: carry on with the slow kernels rather than fail.
    }

    /// The OpenBLAS kernel family for this CPU, from /proc/cpuinfo's flags.
    static func coreType() -> String? {
        guard let cpuinfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return nil }
        let flagsLine = cpuinfo.split(separator: "\n").first { $0.hasPrefix("flags") } ?? ""
        let flags = Set(flagsLine.split(separator: " ").map(String.init))
        if flags.contains("avx512f") && flags.contains("avx512bw") { return "SkylakeX" }
        if flags.contains("avx2") { return "Haswell" }
        return nil
    }
}
