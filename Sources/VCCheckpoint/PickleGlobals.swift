// Which globals a pickle may name, and what each means.
//
// A pickle's GLOBAL / STACK_GLOBAL opcodes name a Python object (`module` + `qualified name`)
// that an ordinary unpickler imports and later calls. vcview never imports or calls anything:
// each name is classified here into one of three classes.
//
// 1. Understood: a fixed table of the names torch.save writes for tensors and the plain data
//    around them (checked against torch 2.13, which still writes protocol 2 with
//    `torch.FloatStorage`-style storage types and `torch._utils._rebuild_tensor_v2`). Each has
//    a data-only meaning implemented by the interpreter.
// 2. Forbidden: names that exist to run code or touch the system (os.system, builtins.eval,
//    subprocess.Popen...). A file naming one is refused outright, wherever the name sits,
//    because no honest checkpoint contains them.
// 3. Anything else: kept as an inert `opaque` placeholder so that a checkpoint whose optimizer or
//    scaler state holds some exotic class still opens. It becomes an error only if the caller
//    needs that value (a tensor in the state dict that turns out to be opaque).

enum GlobalClass {
    case understood(PickleGlobal)
    case forbidden(String)
    case unknown
}

enum PickleGlobals {
    /// Classifies `module.name`. `name` may be dotted (protocol 4 qualified names resolve
    /// attribute by attribute, so `torch.serialization` + `os.system` reaches os.system): every
    /// component of both parts is checked.
    static func classify(module: String, name: String) -> GlobalClass {
        let full = module + "." + name
        if let g = understood[full] {
            return .understood(g)
        }
        let moduleParts = module.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        let nameParts = name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        if module.isEmpty || name.isEmpty || moduleParts.contains("") || nameParts.contains("") {
            return .forbidden("a malformed name")
        }
        // builtins: set/frozenset/bytearray are understood (above) and plain data types such as
        // `object` (used by copyreg._reconstructor) stay opaque; everything else there (eval,
        // exec, getattr, __import__, open...) is the classic way to run code from a pickle.
        if moduleParts[0] == "builtins" || moduleParts[0] == "__builtin__" {
            if moduleParts.count == 1 && nameParts.count == 1 && inertBuiltins.contains(name) {
                return .unknown
            }
            return .forbidden("only data types of builtins are allowed")
        }
        if let first = moduleParts.first, forbiddenModules.contains(first) {
            return .forbidden("module \(first) can run code or touch the system")
        }
        for prefix in forbiddenModulePrefixes where full == prefix || full.hasPrefix(prefix + ".") {
            return .forbidden("\(prefix) can run code or load other files")
        }
        for part in nameParts {
            if forbiddenModules.contains(part) {
                return .forbidden("it reaches module \(part) through attributes")
            }
            if forbiddenNames.contains(part) {
                return .forbidden("\(part) runs code or touches the system")
            }
        }
        for (i, part) in (moduleParts + nameParts).enumerated() where part.hasPrefix("__") && part.hasSuffix("__") {
            // `__main__` is where classes defined in a training script live; other dunders
            // (`__globals__`, `__builtins__`, `__class__`...) are how attribute chains escape.
            if i == 0 && part == "__main__" { continue }
            return .forbidden("dunder attribute \(part) is not allowed")
        }
        return .unknown
    }

    /// Builtin types that only describe data; kept as opaque values like any unknown class.
    static let inertBuiltins: Set<String> = [
        "object", "int", "float", "complex", "str", "bytes", "bool", "list", "dict", "tuple", "slice",
        "range", "Ellipsis", "NotImplemented",
    ]

    /// Top-level modules whose every member is refused.
    static let forbiddenModules: Set<String> = [
        "os", "posix", "nt", "posixpath", "ntpath", "subprocess", "_posixsubprocess", "sys",
        "shutil", "socket", "socketserver", "ssl", "select", "selectors", "importlib", "imp",
        "zipimport", "pkgutil", "ctypes", "_ctypes", "cffi", "runpy", "code", "codeop", "pty",
        "pickle", "_pickle", "cPickle", "pickletools", "marshal", "shelve", "dill", "cloudpickle",
        "joblib", "webbrowser", "multiprocessing", "signal", "asyncio", "tempfile", "io", "_io",
        "urllib", "urllib2", "urllib3", "requests", "http", "httplib", "ftplib", "smtplib",
        "telnetlib", "xmlrpc", "commands", "popen2", "platform", "pdb", "bdb", "timeit",
        "trace", "profile", "cProfile", "pip", "setuptools", "distutils", "operator",
        "_operator", "functools", "types", "inspect", "gc", "threading", "_thread", "thread",
        "glob", "fileinput", "site", "sysconfig", "ensurepip", "venv", "ast", "dis",
        "linecache", "tokenize", "compileall", "py_compile", "mmap", "resource", "fcntl",
        "termios", "_winapi", "winreg", "msvcrt", "logging", "builtins", "__builtin__",
        "IPython", "jinja2", "yaml",
    ]

    /// Submodules refused although their parent package is fine.
    static let forbiddenModulePrefixes: [String] = [
        "torch.hub", "torch.jit", "torch.ops", "torch._ops", "torch.package", "torch.fx",
        "torch.utils.cpp_extension", "torch.distributed", "torch._dynamo", "torch._inductor",
        "torch.multiprocessing", "torch.serialization.load", "torch.load", "torch.storage._load_from_bytes",
        "numpy.testing", "numpy.f2py", "numpy.distutils", "numpy.load", "numpy.lib.npyio",
        "numpy.ctypeslib",
    ]

    /// Attribute names refused anywhere in a dotted name: the callables that execute code,
    /// spawn processes, open files or unpickle more data.
    static let forbiddenNames: Set<String> = [
        "system", "popen", "popen2", "popen3", "popen4", "spawn", "spawnl", "spawnle", "spawnlp",
        "spawnv", "spawnve", "spawnvp", "execl", "execle", "execlp", "execv", "execve", "execvp",
        "exec", "eval", "execfile", "compile", "__import__", "import_module", "getattr",
        "setattr", "delattr", "globals", "locals", "vars", "open", "input", "breakpoint",
        "apply", "reload", "load", "loads", "Popen", "call", "check_call", "check_output",
        "getoutput", "getstatusoutput", "run", "runstring", "runcode", "fork", "forkpty", "kill",
        "remove", "unlink", "rmtree", "rmdir", "attrgetter", "methodcaller", "itemgetter",
        "partial", "reduce",
    ]

    /// The understood table. Keys are `module.qualname` exactly as pickled.
    static let understood: [String: PickleGlobal] = {
        var t: [String: PickleGlobal] = [
            "torch._utils._rebuild_tensor_v2": .rebuildTensorV2,
            "torch._utils._rebuild_tensor_v3": .rebuildTensorV3,
            "torch._utils._rebuild_tensor": .rebuildTensor,
            "torch._utils._rebuild_parameter": .rebuildParameter,
            "torch._utils._rebuild_parameter_with_state": .rebuildParameterWithState,
            "torch._tensor._rebuild_from_type_v2": .rebuildFromTypeV2,
            "torch.Tensor": .tensorClass("torch.Tensor"),
            "torch.nn.parameter.Parameter": .tensorClass("torch.nn.parameter.Parameter"),
            "torch.nn.Parameter": .tensorClass("torch.nn.Parameter"),
            "collections.OrderedDict": .orderedDict,
            "argparse.Namespace": .namespace,
            "torch.device": .device,
            "torch.Size": .size,
            "_codecs.encode": .codecsEncode,
            "builtins.set": .set, "__builtin__.set": .set,
            "builtins.frozenset": .frozenset, "__builtin__.frozenset": .frozenset,
            "builtins.bytearray": .bytearray, "__builtin__.bytearray": .bytearray,
            "numpy.core.multiarray.scalar": .numpyScalar,
            "numpy._core.multiarray.scalar": .numpyScalar,
            "numpy.dtype": .numpyDtype,
        ]
        // Storage types name the element type of persistent storages. Torch writes
        // `torch.<X>Storage` for CPU and CUDA tensors alike; old files may say `torch.cuda.<X>`.
        let storages: [(String, DType?)] = [
            ("FloatStorage", .f32), ("HalfStorage", .f16), ("BFloat16Storage", .bf16),
            ("DoubleStorage", .f64), ("LongStorage", .i64), ("IntStorage", .i32),
            ("ShortStorage", .i16), ("CharStorage", .i8), ("ByteStorage", .u8), ("BoolStorage", .bool),
            ("ComplexFloatStorage", nil), ("ComplexDoubleStorage", nil), ("QInt8Storage", nil),
            ("QUInt8Storage", nil), ("QInt32Storage", nil), ("QUInt4x2Storage", nil), ("QUInt2x4Storage", nil),
        ]
        for (n, d) in storages {
            t["torch.\(n)"] = .storageType(name: "torch.\(n)", dtype: d)
            t["torch.cuda.\(n)"] = .storageType(name: "torch.cuda.\(n)", dtype: d)
        }
        // Untyped storages (used with `_rebuild_tensor_v3`) count bytes.
        t["torch.UntypedStorage"] = .storageType(name: "torch.UntypedStorage", dtype: .u8)
        t["torch.storage.UntypedStorage"] = .storageType(name: "torch.storage.UntypedStorage", dtype: .u8)
        let dtypes: [(String, DType?)] = [
            ("float32", .f32), ("float", .f32), ("float16", .f16), ("half", .f16), ("bfloat16", .bf16),
            ("float64", .f64), ("double", .f64), ("int64", .i64), ("long", .i64), ("int32", .i32),
            ("int", .i32), ("int16", .i16), ("short", .i16), ("int8", .i8), ("uint8", .u8), ("bool", .bool),
            ("uint16", nil), ("uint32", nil), ("uint64", nil), ("complex64", nil), ("complex128", nil),
            ("float8_e4m3fn", nil), ("float8_e5m2", nil), ("float8_e4m3fnuz", nil), ("float8_e5m2fnuz", nil),
        ]
        for (n, d) in dtypes {
            t["torch.\(n)"] = .torchDtype(name: "torch.\(n)", dtype: d)
        }
        return t
    }()
}
