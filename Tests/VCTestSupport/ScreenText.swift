/// Searching a screen's text (a frame's `text`, or tmux's `capture-pane -p`), for the view tests
/// and the screen tests alike.
public enum ScreenText {
    /// (column, row), 0-based in Unicode scalars, of the first occurrence of `needle`.
    public static func locate(_ needle: String, in screen: String) -> (Int, Int)? {
        for (row, line) in screen.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if let r = line.range(of: needle) { return (line.unicodeScalars.distance(from: line.unicodeScalars.startIndex, to: r.lowerBound), row) }
        }
        return nil
    }
}
