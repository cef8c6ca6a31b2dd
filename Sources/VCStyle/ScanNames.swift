/// The four scans as people read them: names, panel titles, and step numbers.
public enum ScanNames {
    /// The official names (PlainMamba2D's `get_permute_order`), scan 1…4.
    public static let names = ["row snake", "row snake reversed", "column snake", "column snake reversed"]
    /// The same in a few columns: which way each snake advances.
    public static let shortNames = ["rows ↓", "rows ↑", "columns →", "columns ←"]

    /// "scan 1 · row snake": the title of scan `d`'s panel (d = 0…3), on screen and in PNGs.
    public static func title(_ d: Int) -> String { "scan \(d + 1) · \(names[d])" }

    /// "scan 1 · rows ↓", for narrow panels.
    public static func shortTitle(_ d: Int) -> String { "scan \(d + 1) · \(shortNames[d])" }

    /// Step `t` of the engine (0…L−1) as people count it: 1…L, on screen, in PNG titles and names.
    public static func step(_ t: Int) -> Int { t + 1 }
}
