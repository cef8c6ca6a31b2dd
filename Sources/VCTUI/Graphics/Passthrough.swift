import Foundation

/// tmux passthrough: `ESC P tmux; … ESC \` with every ESC inside doubled reaches the terminal
/// tmux runs in, when the pane's `allow-passthrough` option is on (tmux 3.3 and later).
enum TmuxPassthrough {
    static func wrap(_ sequence: String) -> String {
        "\u{1B}Ptmux;" + sequence.replacingOccurrences(of: "\u{1B}", with: "\u{1B}\u{1B}") + "\u{1B}\\"
    }

    /// Whether this pane lets sequences through, and the outer terminal's name and features.
    static func query() -> (enabled: Bool, clientTerm: String, features: String) {
        let enabled = run("tmux show-options -pqv allow-passthrough; tmux show-options -gqv allow-passthrough")
            .split(separator: "\n").contains { $0 == "on" || $0 == "all" }
        let client = run("tmux display-message -p '#{client_termname}|#{client_termfeatures}'")
            .trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "|", omittingEmptySubsequences: false)
        return (enabled, client.first.map(String.init) ?? "", client.count > 1 ? String(client[1]) : "")
    }

    private static func run(_ command: String) -> String {
        guard let f = popen(command + " 2>/dev/null", "r") else { return "" }
        var out = [UInt8](), buf = [UInt8](repeating: 0, count: 256)
        while true {
            let n = fread(&buf, 1, buf.count, f)
            if n <= 0 { break }
            out += buf[0..<n]
        }
        pclose(f)
        return String(decoding: out, as: UTF8.self)
    }
}
