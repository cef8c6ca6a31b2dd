import Foundation
import VCEngine
import VCRecording
import VCExport
import VCRender

/// `e` exports the view on screen as a PNG (with its JSON sidecar), `E` every view of the image:
/// the same renderer and colormaps as the terminal, at the tensors' native resolution.
public enum ExportRequest: Sendable, Equatable {
    case current, all
}

extension ExplorerState {
    /// What the screen shows, as an export view: the selected block's channel grid, the zoomed
    /// channel, or the open Mamba view (attention at the token cursor, CAM of the class shown…).
    public var currentExportView: ExportView? {
        guard isForwardDone else { return nil }
        if showsMamba, let layer = mambaLayer {
            switch mamba.panel {
            case .scans: return .scans
            case .hidden: return .hidden(layer: layer.name)
            case .attention:
                let c = mamba.cursor
                guard c.y >= 0, c.x >= 0 else { return .hidden(layer: layer.name) }
                return .attention(layer: layer.name, row: c.y, col: c.x, channel: mamba.channel)
            case .shares: return .channels(site: layer.name + ".dir_share")
            case .cam: return camClass.map { .cam(classIndex: $0) }
            }
        }
        guard site != nil else { return nil }
        return zoomed ? .channel(site: siteName, channel: channel) : .channels(site: siteName)
    }

    /// The export settings that make the PNG look like the screen.
    public var exportOptions: ExportOptions {
        ExportOptions(colormap: colormapOverride, scope: scope, sort: sort, clip: clip, attentionSelf: attentionSelf)
    }

    mutating func handleExportKey(_ key: Key) -> Bool {
        guard key == .char("e") || key == .char("E") else { return false }
        guard isForwardDone else { exportStatus = "export: wait for the forward pass to finish"; return true }
        guard !exporting else { exportStatus = "export: one is already running"; return true }
        if key == .char("E") {
            askFolder(.all, what: "every view")
        } else if gradient != nil {
            exportStatus = "export: the gradient view has no PNG export yet (vcview attribute and vcview erf write these maps)"
        } else if let v = currentExportView {
            askFolder(.current, what: "\(v)")
        } else {
            exportStatus = "export: nothing to export in this view"
        }
        return true
    }
}

/// Runs exports for the explorer off the UI thread; one exporter per image, built on first use.
final class ExportRunner: @unchecked Sendable {
    let session: ExplorerSession
    private var exporter: Exporter?

    init(session: ExplorerSession) { self.session = session }

    /// Exports and returns the one-line message the status line shows.
    func run(_ request: ExportRequest, view: ExportView?, options: ExportOptions, analysis: MambaAnalysis?,
             directory: String) -> String {
        guard let analysis else { return "export: no model in this session" }
        // The report names the full path: the explorer may have been started anywhere.
        let dir = directory.hasPrefix("/") ? directory
            : FileManager.default.currentDirectoryPath + "/" + (directory.hasPrefix("./") ? String(directory.dropFirst(2)) : directory)
        do {
            if exporter == nil {
                let provenance: Provenance
                if let image = session.options.imagePath {
                    provenance = try Provenance.files(image: image, checkpoint: session.options.checkpointPath,
                                                      model: session.info.modelDescription, version: session.options.version)
                } else {
                    provenance = Provenance(imageName: session.info.imageName, model: session.info.modelDescription,
                                            version: session.options.version)
                }
                let source = ExportSource(analysis: analysis, labels: session.info.labels ?? [], provenance: provenance)
                exporter = Exporter(source: source)
            }
            let ex = exporter!
            switch request {
            case .current:
                guard let view else { return "export: nothing to export in this view" }
                let files = try ex.export(view: view, to: dir, options: options)
                return "exported \(view) → \(files.first ?? dir)"
            case .all:
                let views = ex.allViews(topK: 3)
                let files = try ex.export(views: views, to: dir, options: options) { _ in }
                return "exported \(views.count) views (\(files.filter { $0.hasSuffix(".png") }.count) PNGs) → \(dir)/"
            }
        } catch {
            return "export failed: \(error)"
        }
    }
}
