import Foundation
import XCTest
import VCCheckpoint

/// `vcview predict | inspect | dump` end to end, through the real binary.
final class CommandLineTests: XCTestCase {
    let official = CLI.fixture("checkpoints/official.pth")

    func expectedLogits(_ file: String, ema: Bool = false) throws -> [Double] {
        let data = try Data(contentsOf: URL(fileURLWithPath: CLI.fixture("checkpoints/expected.json")))
        let all = try XCTUnwrap((try JSONSerialization.jsonObject(with: data) as? [String: Any])?["files"] as? [String: [String: Any]])
        var spec = try XCTUnwrap(all[file])
        if ema { spec = try XCTUnwrap(spec["ema"] as? [String: Any]) }
        return try XCTUnwrap(spec["logits"] as? [Double])
    }

    func testPredictJSONOnInputTensorGivesReferenceLogits() throws {
        for ema in [false, true] {
            let r = try CLI.run(["predict", "--input-tensor", CLI.fixture("tiny/input.npy"), "--weights", official, "--json", "--topk", "3"] + (ema ? ["--ema"] : []))
            XCTAssertEqual(r.status, 0, r.stderr)
            let obj = try CLI.json(r.stdout)
            let logits = try XCTUnwrap(obj["logits"] as? [Double])
            let ref = try expectedLogits("official.pth", ema: ema)
            XCTAssertEqual(logits.count, 10)
            for i in 0..<10 { XCTAssertEqual(logits[i], ref[i], accuracy: 1e-5) }
            let top = try XCTUnwrap(obj["top"] as? [[String: Any]])
            XCTAssertEqual(top.count, 3)
            let best = ref.indices.max { ref[$0] < ref[$1] }!
            XCTAssertEqual(top[0]["index"] as? Int, best)
            XCTAssertNotNil(top[0]["label"] as? String)
            XCTAssertNotNil(top[0]["prob"] as? Double)
            XCTAssertEqual((obj["model"] as? [String: Any])?["entry"] as? String, ema ? "model_ema" : "model")
        }
    }

    func testPredictOnEveryDemoPhotoPrintsTopK() throws {
        for photo in ["chelsea.png", "coffee.png", "astronaut.png", "rocket.jpg"] {
            let r = try CLI.run(["predict", CLI.asset("images/\(photo)"), "--weights", official])
            XCTAssertEqual(r.status, 0, r.stderr)
            let lines = r.stdout.split(separator: "\n")
            XCTAssertTrue(lines[0].hasPrefix("model: custom (10 classes"), String(lines[0]))
            XCTAssertEqual(lines.filter { $0.range(of: #"^ ?\d\. "#, options: .regularExpression) != nil }.count, 5, r.stdout)
            XCTAssertTrue(r.stdout.contains("224×224"))
        }
    }

    /// No --weights: the bundled demo model, named with its classes, right on its own scenes.
    func testBundledModelIsUsedAndNamedWithoutWeights() throws {
        let r = try CLI.run(["predict", CLI.asset("scenes/heart.png"), "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let obj = try CLI.json(r.stdout)
        let model = try XCTUnwrap(obj["model"] as? [String: Any])
        XCTAssertEqual(model["bundled"] as? Bool, true)
        XCTAssertEqual(model["name"] as? String, "vcmamba-demo")
        XCTAssertEqual((obj["top"] as? [[String: Any]])?.first?["label"] as? String, "heart")
        let text = try CLI.run(["predict", CLI.asset("images/coffee.png")])
        XCTAssertEqual(text.status, 0, text.stderr)
        XCTAssertTrue(text.stdout.hasPrefix("model: vcmamba-demo (VCMamba custom, 10 classes: circle, square"), text.stdout)
        XCTAssertTrue(text.stdout.contains("from bundled "), text.stdout)
        let inspect = try CLI.run(["inspect"])
        XCTAssertEqual(inspect.status, 0, inspect.stderr)
        XCTAssertTrue(inspect.stdout.contains("depths:      1, 1, 2, 3"), inspect.stdout)
        XCTAssertTrue(inspect.stdout.contains("mamba:       2 layers"), inspect.stdout)
    }

    func testInspectReportsConfigurationAndExtras() throws {
        let r = try CLI.run(["inspect", official, "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let obj = try CLI.json(r.stdout)
        XCTAssertEqual(obj["depths"] as? [Int], [1, 1, 2, 3])
        XCTAssertEqual(obj["widths"] as? [Int], [8, 16, 24, 32])
        XCTAssertEqual(obj["mamba_layers"] as? Int, 2)
        XCTAssertEqual(obj["classes"] as? Int, 10)
        XCTAssertEqual(obj["epoch"] as? Int, 299)
        XCTAssertEqual(obj["has_ema"] as? Bool, true)
        XCTAssertEqual(obj["variant"] as? String, "custom")
        XCTAssertEqual(obj["loadable"] as? Bool, true)
        XCTAssertEqual((obj["args"] as? [String: String])?["model"], "'VCMamba_custom'")
        let text = try CLI.run(["inspect", official])
        XCTAssertTrue(text.stdout.contains("depths:      1, 1, 2, 3"), text.stdout)
        XCTAssertTrue(text.stdout.contains("model_ema also present"), text.stdout)
    }

    /// Names from a file never reach the terminal raw: an ESC or newline in a key is escaped.
    func testInspectEscapesControlCharactersInKeyNames() throws {
        let ckpt = try CheckpointLoader.load(path: CLI.fixture("tiny/weights.safetensors"))
        var tensors: [(String, [Int], [Float])] = []
        for k in ckpt.stateDict.keys { let t = ckpt.stateDict[k]!; if t.dtype == .f32 { tensors.append((k, t.shape, try t.floats())) } }
        tensors.append(("evil\u{1B}[31mRED\nfake: line", [2], [0, 0]))
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("evil-\(UUID().uuidString).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Safetensors.write(path: path, tensors: tensors)
        let r = try CLI.run(["inspect", path])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertFalse(r.stdout.contains("\u{1B}"), "no raw escape character")
        XCTAssertFalse(r.stdout.contains("\nfake: line"), "no injected line")
        XCTAssertTrue(r.stdout.contains(#"unexpected keys: evil\u{1b}[31mRED\u{a}fake: line"#), r.stdout)
    }

    func testInspectListsKeyProblemsAndFails() throws {
        let r = try CLI.run(["inspect", CLI.fixture("bad/wrong_shape.pth")])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stdout.contains("network.6.2.mamba.A_log (expected (64, 16), found (64, 8))"), r.stdout)
    }

    func testDumpWritesEverySiteAsNpyWithIndex() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("vcview-dump-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let r = try CLI.run(["dump", "--input-tensor", CLI.fixture("tiny/input.npy"), "--weights", CLI.fixture("tiny/weights.safetensors"), "--out", out])
        XCTAssertEqual(r.status, 0, r.stderr)
        let index = try CLI.json(try String(contentsOfFile: out + "/index.json", encoding: .utf8))
        let sites = try XCTUnwrap(index["sites"] as? [[String: Any]])
        XCTAssertGreaterThanOrEqual(sites.count, 140)
        XCTAssertFalse(sites.contains { ($0["site"] as? String)?.hasSuffix(".mamba.h") == true }, "hidden states only on request")
        // Spot-check a dumped activation against the reference fixture.
        for site in ["patch_embed", "network.4.1.mlp.act.1", "network.6.2.mamba.y.4", "logits"] {
            let got = try Npy.read(path: "\(out)/\(site).npy"), ref = try Npy.read(path: CLI.fixture("tiny/acts/\(site).npy"))
            XCTAssertEqual(got.shape, ref.shape, site)
            let scale = ref.values.map(abs).max()!
            let err = zip(got.values, ref.values).map { abs($0 - $1) }.max()! / scale
            XCTAssertLessThan(err, 1e-4, site)
        }
        let some = try CLI.run(["dump", "--input-tensor", CLI.fixture("tiny/input.npy"), "--weights", CLI.fixture("tiny/weights.safetensors"),
                                "--out", out + "/h", "--sites", "network.6.2.mamba.h,logits"])
        XCTAssertEqual(some.status, 0, some.stderr)
        let files = try FileManager.default.contentsOfDirectory(atPath: out + "/h").sorted()
        XCTAssertEqual(files, ["index.json", "logits.npy", "network.6.2.mamba.h.npy"])
        XCTAssertEqual(try Npy.read(path: out + "/h/network.6.2.mamba.h.npy").shape, [4, 25, 64, 16])
    }

    /// Issue 5's dump contract: h_norm, h_norm_map for every Mamba layer by default; attention for
    /// --token and the CAM for --class, equal to the PyTorch reference's.
    func testDumpWritesMambaQuantitiesTokenAttentionAndCAM() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("vcview-dump5-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let r = try CLI.run(["dump", "--input-tensor", CLI.fixture("tiny/input.npy"), "--weights", CLI.fixture("tiny/weights.safetensors"),
                             "--out", out, "--token", "2,3", "--class", "3"])
        XCTAssertEqual(r.status, 0, r.stderr)
        for layer in ["network.6.1.mamba", "network.6.2.mamba"] {
            for q in ["h_norm", "h_norm_map", "attn"] {
                let got = try Npy.read(path: "\(out)/\(layer).\(q).npy"), ref = try Npy.read(path: CLI.fixture("tiny/interpret/\(layer).\(q).npy"))
                XCTAssertEqual(got.shape, ref.shape)
                let err = zip(got.values, ref.values).map { abs($0 - $1) }.max()! / ref.values.map(abs).max()!
                XCTAssertLessThan(err, 1e-4, "\(layer).\(q)")
            }
        }
        let cam = try Npy.read(path: "\(out)/cam.npy")
        XCTAssertEqual(cam.shape, [5, 5])
        let bad = try CLI.run(["dump", "--input-tensor", CLI.fixture("tiny/input.npy"), "--weights", CLI.fixture("tiny/weights.safetensors"),
                               "--out", out, "--token", "9,9"])
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.stderr.contains("outside the 5×5 stage-4 grid"), bad.stderr)
    }

    /// Hostile and broken files: a one-line error naming the problem, a non-zero exit, no crash,
    /// and nothing a pickle names is ever run (the payloads would create a marker file).
    func testBadFilesFailCleanlyAndRunNothing() throws {
        let marker = "/tmp/vcview_pwned_marker"
        try? FileManager.default.removeItem(atPath: marker)
        let cases: [(String, [String], String)] = [
            ("truncated.pth", ["--weights"], "truncated"),
            ("pwned_os_system.pth", ["--weights"], "os.system is not allowed"),
            ("pwned_posix_system.pth", ["--weights"], "posix.system is not allowed"),
            ("pwned_builtins_eval.pth", ["--weights"], "builtins.eval is not allowed"),
            ("pwned_subprocess_popen.pth", ["--weights"], "subprocess.Popen is not allowed"),
            ("pwned_inst.pth", ["--weights"], "os.system is not allowed"),
            ("pwned_in_args.pth", ["--weights"], "os.system is not allowed"),
            ("wrong_shape.pth", ["--weights"], "network.6.2.mamba.A_log (expected (64, 16), found (64, 8))"),
            ("missing_keys.pth", ["--weights"], "missing keys: network.6.2.mamba.D, head.weight"),
            ("storage_past_end.pth", ["--weights"], "head.weight"),
            ("view_past_storage.pth", ["--weights"], "reaches element 619"),
            ("overlap.safetensors", ["--weights"], "overlap"),
            ("past_end.safetensors", ["--weights"], "outside"),
            ("empty.pth", ["--weights"], "empty"),
        ]
        for (file, flag, needle) in cases {
            let r = try CLI.run(["predict", CLI.asset("images/chelsea.png")] + flag + [CLI.fixture("bad/\(file)")])
            XCTAssertEqual(r.status, 1, "\(file): \(r.stderr)")
            XCTAssertEqual(r.stdout, "", file)
            let lines = r.stderr.split(separator: "\n")
            XCTAssertEqual(lines.count, 1, "\(file): one line: \(r.stderr)")
            XCTAssertTrue(r.stderr.hasPrefix("vcview: error: "), file)
            XCTAssertTrue(r.stderr.contains(file), "\(file): names the file: \(r.stderr)")
            XCTAssertTrue(r.stderr.contains(needle), "\(file): expected «\(needle)» in \(r.stderr)")
        }
        for (file, needle) in [("not_an_image.jpg", "not a JPEG or PNG"), ("truncated.png", "truncated"), ("empty.jpg", "empty")] {
            let r = try CLI.run(["predict", CLI.fixture("bad/\(file)"), "--weights", official])
            XCTAssertEqual(r.status, 1, "\(file): \(r.stderr)")
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
            XCTAssertTrue(r.stderr.lowercased().contains(needle.lowercased()), "\(file): expected «\(needle)» in \(r.stderr)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: marker), "a pickle payload ran")
    }

    func testMissingWeightsAndBadArgumentsAreExplained() throws {
        let nofile = try CLI.run(["predict", CLI.asset("images/chelsea.png"), "--weights", "/nonexistent.pth"])
        XCTAssertEqual(nofile.status, 1)
        XCTAssertTrue(nofile.stderr.contains("/nonexistent.pth: no such file"), nofile.stderr)
        let badTensor = try CLI.run(["predict", "--input-tensor", CLI.fixture("tiny/acts/logits.npy"), "--weights", official])
        XCTAssertEqual(badTensor.status, 1)
        XCTAssertTrue(badTensor.stderr.contains("must have shape (1, 3, H, W)"), badTensor.stderr)
    }
}
