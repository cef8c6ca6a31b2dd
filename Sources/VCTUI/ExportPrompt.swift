/// `e` / `E` first ask where to write: a one-line field on the hint line, prefilled with the
/// folder of the last export (`vcview-exports` at first, or VCVIEW_EXPORT_DIR). Enter exports
/// there, Escape cancels; typing edits the folder. The report then names the files' full path.
public struct ExportPrompt: Equatable, Sendable {
    public var request: ExportRequest
    /// What is being exported, for the prompt's label ("channels of network.4.0", "every view").
    public var what: String
    public var folder: String
}

extension ExplorerState {
    /// Opens the prompt for `request`.
    mutating func askFolder(_ request: ExportRequest, what: String) {
        exportPrompt = ExportPrompt(request: request, what: what, folder: exportDirectory)
        exportStatus = nil
    }

    /// A key while the prompt is open: every key belongs to it (q types a q).
    mutating func handlePromptKey(_ key: Key) {
        guard var p = exportPrompt else { return }
        switch key {
        case .enter:
            let folder = p.folder.trimmingCharacters(in: .whitespaces)
            exportDirectory = folder.isEmpty ? exportDirectory : folder
            exportRequest = p.request
            exportStatus = "exporting \(p.what) → \(exportDirectory)/…"
            exportPrompt = nil
            return
        case .escape:
            exportPrompt = nil
            exportStatus = "export cancelled"
            return
        case .backspace:
            if !p.folder.isEmpty { p.folder.removeLast() }
        case .char(let c) where !c.isNewline:
            p.folder.append(c)
        default:
            break
        }
        exportPrompt = p
    }
}

/// The prompt on the hint line: label, the folder with a cursor, and the two keys. A long
/// folder shows its end (where one types), with "…" in front.
func drawExportPrompt(_ f: inout Frame, _ r: Rect, _ p: ExportPrompt) {
    let keys = "  ⏎ export  Esc cancel"
    var x = f.text(" export \(p.what) to: ", x: r.x, y: r.y, maxWidth: r.w, fg: Theme.accent, style: .bold)
    let room = max(0, r.maxX - x - keys.width - 1)
    let shown = p.folder.width <= room ? p.folder : "…" + String(p.folder.unicodeScalars.suffix(max(0, room - 1)))
    x = f.text(shown, x: x, y: r.y, maxWidth: room)
    f[x, r.y] = Cell(" ", style: .reverse)   // the cursor
    f.text(keys, x: x + 1, y: r.y, maxWidth: r.maxX - x - 1, fg: Theme.dim)
}
