import ArgumentParser
import CCodecs
import Foundation

/// Process entry: make sure OpenBLAS picks its fast kernels, then parse the command line.
@main
enum Entry {
    static func main() {
        BLASEnvironment.ensureCoreType()
        MemoryTuning.apply()
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
        subcommands: [Explore.self, Predict.self, Inspect.self, Dump.self, Export.self, Tour.self, Bench.self],
        defaultSubcommand: Explore.self
    )
}

enum VCViewVersion {
    static let string = "0.1.0"
}

/// glibc serves allocations above 128 KB with fresh mmaps and returns them on free, so every
/// forward pass page-faults its activation buffers in again (measured: ~5% of a VCMamba-B forward
/// in the kernel). Raising the thresholds keeps freed buffers in the heap for the next pass.
enum MemoryTuning {
    static func apply() {
        _ = vc_tune_allocator(512 << 20, 1 << 30)
    }
}

/// Debian's OpenBLAS 0.3.21 does not recognise recent Xeons and falls back to its SSE3 kernels
/// (5-8x slower). The core type is read in the library's constructor, before `main`, so when it
/// is unset we set it and re-execute ourselves once. Users never have to know.
enum BLASEnvironment {
    static func ensureCoreType() {
        guard getenv("OPENBLAS_CORETYPE") == nil, getenv("VCVIEW_NO_REEXEC") == nil else { return }
        guard let cpuinfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return }
        let flagsLine = cpuinfo.split(separator: "\n").first { $0.hasPrefix("flags") } ?? ""
        let flags = Set(flagsLine.split(separator: " ").map(String.init))
        let core: String
        if flags.contains("avx512f") && flags.contains("avx512bw") { core = "SkylakeX" }
        else if flags.contains("avx2") { core = "Haswell" }
        else { return }
        setenv("OPENBLAS_CORETYPE", core, 1)
        setenv("VCVIEW_NO_REEXEC", "1", 1)
        var args = CommandLine.arguments.map { strdup($0) }
        args.append(nil)
        execv("/proc/self/exe", &args)
        // execv only returns on failure: carry on with the slow kernels rather than fail.
    }
}
