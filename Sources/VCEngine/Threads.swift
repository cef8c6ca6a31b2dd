import CBLAS

/// How many threads the engine's matrix products use (OpenBLAS's pool; the default is one per core).
public enum EngineThreads {
    public static func set(_ n: Int) { openblas_set_num_threads(Int32(max(1, n))) }
    public static var current: Int { Int(openblas_get_num_threads()) }
}
