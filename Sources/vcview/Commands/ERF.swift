import ArgumentParser
import Foundation
import VCRender
import VCEngine
import VCExport

/// `vcview erf`: the effective receptive field of a site, VMamba's recipe (docs/gradients.md).
struct ERF: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "erf",
        abstract: "Effective receptive field: |dL/d input| for L = Σ_c relu(site[c, H/2, W/2]), averaged over images.",
        discussion: """
        For each image, L = Σ_c relu(SITE[0, c, h/2, w/2]) (the centre token of the site's map) and the map \
        Σ_c |dL/dx| over the input pixels; the maps are averaged over the images. Written per site (and per \
        ablation with --ablations): erf_SITE[_ABLATION].png (shown as (m/max)^0.2 or log10(1 + m/max·1e3)/3), \
        .npy (the raw mean map) and .json (sidecar with the formulas and the area ratios). See docs/gradients.md.
        """)

    @Argument(help: "Images or folders of images (default: the bundled scenes for the bundled model).") var images: [String] = []
    @Option(help: "Checkpoint (.pth or .safetensors); default: the bundled demo model.") var weights: String?
    @Option(help: "Seeded weights of S, M or B instead of a file (with --seeded-inputs).") var variant: String?
    @Option(help: "Use N seeded input tensors instead of images.") var seededInputs: Int?
    @Option(help: "Comma-separated sites (default: the four stage outputs network.0,network.2,network.4,network.6).")
    var site = "network.0,network.2,network.4,network.6"
    @Flag(help: "Also with each scan direction off and with raster order instead of the snakes.") var ablations = false
    @Option(help: "Display: power (x^0.2) or log.") var display = "power"
    @Option(help: "Input side.") var size = 224
    @Option(help: "Threads (default: one per core).") var threads: Int?
    @Option(help: "Output folder.") var out = "erf"
    @Option(name: .customLong("text-size"), help: "Pixel size of the figure text, as in `export --text-size` (default 14).") var textSize: Int?

    func run() throws {
        try runReportingErrors {
            try configureFigureText(textSize)
            if let t = threads { guard t >= 1 else { throw UserError("--threads must be at least 1") }; EngineThreads.set(t) }
            guard ["power", "log"].contains(display) else { throw UserError("--display must be power or log, got \(display)") }
            guard size >= 32 && size <= 2048 else { throw UserError("--size must be between 32 and 2048, got \(size)") }
            let gm = try GradientModel.load(weights: weights, variant: variant)
            var inputs: [(String, Tensor)] = []
            if let n = seededInputs {
                guard n >= 1 else { throw UserError("--seeded-inputs must be at least 1") }
                inputs = (0..<n).map { ("seeded input \($0)", SeededWeights.input(seed: UInt64($0), height: size, width: size)) }
            } else {
                var files = try imageFiles(images)
                if files.isEmpty {
                    guard weights == nil && variant == nil else { throw UserError("give IMAGES, a folder, or --seeded-inputs N") }
                    files = try imageFiles([Assets.path("scenes")])
                }
                inputs = try files.map { ($0, try PreparedInput.make(image: $0, inputTensor: nil, size: size).tensor) }
            }
            var runs: [(String, MambaAblation)] = [("official", MambaAblation())]
            if ablations {
                var r = MambaAblation(); r.rasterScan = true
                runs.append(("raster", r))
                for k in 0..<4 { var a = MambaAblation(); a.enabledDirections[k] = false; runs.append(("scan\(k + 1)-off", a)) }
            }
            let sites = site.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            try makeDirectory(out)
            let started = Date()
            for s in sites {
                for (ablationName, ablation) in runs {
                    let t0 = Date()
                    var sum = [Float](repeating: 0, count: size * size)
                    for (_, x) in inputs {
                        let r = try gm.gradients.gradient(of: .centreReLU(at: s), input: x, ablation: ablation)
                        let m = ERFMap.accumulate(r.input)
                        for i in 0..<sum.count { sum[i] += m.data[i] }
                    }
                    let mean = sum.map { $0 / Float(inputs.count) }
                    let seconds = Date().timeIntervalSince(t0)
                    try write(mean, site: s, ablation: ablationName, model: gm, images: inputs.map { $0.0 }, seconds: seconds)
                    print(String(format: "%@ %@: %d images in %.1f s → %@/%@.png", s, ablationName, inputs.count, seconds, out,
                                 stem(s, ablationName)))
                }
            }
            print(String(format: "total %.1f s on %d threads", Date().timeIntervalSince(started), EngineThreads.current))
        }
    }

    func stem(_ site: String, _ ablation: String) -> String { "erf_" + fileStem(site) + (ablation == "official" ? "" : "_" + ablation) }

    func write(_ mean: [Float], site: String, ablation: String, model: GradientModel, images: [String], seconds: Double) throws {
        let top = max(mean.max() ?? 0, .leastNonzeroMagnitude)
        let shown: [Float] = display == "power" ? Attribution.erfPowerDisplay(mean) : mean.map { log10f(1 + $0 / top * 1000) / 3 }
        let st = stem(site, ablation)
        try writeNpy((out as NSString).appendingPathComponent(st + ".npy"), shape: [size, size], values: mean)
        let formula = display == "power" ? Attribution.erfPowerFormula : "log10(1 + 1000 m / max m) / 3"
        let fig = MapFigure(title: "ERF of \(site)" + (ablation == "official" ? "" : " (\(ablation))"),
                            subtitle: [model.name, "m = mean over \(images.count) images of sum_c |dL/dx|, L = sum_c relu(\(site)[c, h/2, w/2])"],
                            values: shown, height: size, width: size, colormap: .viridis, caption: "shown: \(formula)")
        let fields: [(String, JSONValue)] = [
            ("kind", .string("erf")), ("site", .string(site)), ("ablation", .string(ablation)), ("model", .string(model.name)),
            ("objective", .string("L = sum_c relu(\(site)[0, c, h // 2, w // 2])")),
            ("map", .string("m[i, j] = mean over images of sum_c |dL/dx[0, c, i, j]|")),
            ("display", .string(formula)), ("images", .array(images.map { .string($0) })), ("input_size", .int(size)),
            ("area_ratio", areaRatios(mean)), ("seconds", .double(seconds)), ("threads", .int(EngineThreads.current)),
            ("npy", .string(st + ".npy")),
        ]
        try MapFigure.writeChecked(fig, directory: out, stem: st, fields: fields)
    }

    /// RepLKNet's measure: the smallest fraction of the input whose pixels hold t of the map's total.
    func areaRatios(_ m: [Float]) -> JSONValue {
        let sorted = m.sorted(by: >), total = m.reduce(0, +)
        var out: [(String, JSONValue)] = []
        for t: Float in [0.2, 0.3, 0.5, 0.99] {
            var acc: Float = 0, n = 0
            while n < sorted.count && acc < t * total { acc += sorted[n]; n += 1 }
            out.append((String(format: "%.2f", t), .double(Double(n) / Double(max(sorted.count, 1)))))
        }
        return .object(out)
    }
}

extension MapFigure {
    /// `write`, with an export error turned into the command line's one-line error.
    static func writeChecked(_ f: MapFigure, directory: String, stem: String, fields: [(String, JSONValue)]) throws {
        do { try f.write(directory: directory, stem: stem, fields: fields) } catch let e as ExportError { throw UserError(e.description) }
    }
}
