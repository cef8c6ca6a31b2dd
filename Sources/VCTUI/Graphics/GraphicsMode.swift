/// How the screen draws pictures: as real pixels through one of three terminal image protocols,
/// or as half-block characters (two pixels per cell), which every colour terminal shows.
public enum GraphicsMode: String, CaseIterable, Sendable {
    /// The kitty graphics protocol (kitty, Konsole, WezTerm, Ghostty): RGB pixels, base64, in APC.
    case kitty
    /// DEC sixel (xterm -ti vt340, mlterm, foot, WezTerm): a palette of at most 256 colours.
    case sixel
    /// iTerm2's inline images (iTerm2, WezTerm): a PNG file in OSC 1337.
    case iterm2
    /// Half blocks: no pixels beyond two per cell.
    case none

    public var label: String {
        switch self {
        case .kitty: return "kitty graphics"
        case .sixel: return "sixel"
        case .iterm2: return "iTerm2 images"
        case .none: return "half blocks"
        }
    }
}

/// What the user asked for with `--graphics`.
public enum GraphicsRequest: String, CaseIterable, Sendable {
    case auto, kitty, sixel, iterm2, none

    /// A forced mode, or nil for `auto`.
    public var forced: GraphicsMode? {
        switch self {
        case .auto: return nil
        case .kitty: return .kitty
        case .sixel: return .sixel
        case .iterm2: return .iterm2
        case .none: return GraphicsMode.none
        }
    }
}

/// What the environment says about the terminal, before any query. Terminals that set these
/// variables are trusted even when a query goes unanswered (over ssh, or a slow link).
enum GraphicsEnvironment {
    /// The protocol the environment names, if any.
    static func mode(_ env: [String: String]) -> GraphicsMode? {
        let term = env["TERM"] ?? "", program = env["TERM_PROGRAM"] ?? ""
        if env["KITTY_WINDOW_ID"] != nil || term == "xterm-kitty" { return .kitty }
        if program == "iTerm.app" || env["LC_TERMINAL"] == "iTerm2" || program == "WezTerm" { return .iterm2 }
        if term.hasPrefix("mlterm") || env["MLTERM"] != nil || term == "foot" || term.hasPrefix("foot-") { return .sixel }
        return nil
    }

    /// Inside tmux (the `TMUX` variable names its socket).
    static func insideTmux(_ env: [String: String]) -> Bool { !(env["TMUX"] ?? "").isEmpty }
}
