import VCRecording
/// A key as the explorer understands it (the screen layer translates curses codes).
public enum Key: Equatable, Sendable {
    case char(Character)
    case up, down, left, right
    case pageUp, pageDown, home, end
    case enter, escape, tab, backTab, backspace
}

/// A mouse action at a cell.
public struct MouseEvent: Equatable, Sendable {
    public enum Kind: Sendable, Equatable { case press, doubleClick, wheelUp, wheelDown }
    public var x: Int
    public var y: Int
    public var kind: Kind
    public init(x: Int, y: Int, kind: Kind) { self.x = x; self.y = y; self.kind = kind }
}

/// Everything that can change the explorer's state.
public enum Event: Sendable {
    case key(Key)
    case mouse(MouseEvent)
    case resize(Size)
    /// Time passes (animates the progress spinner).
    case tick
    /// The forward pass reached the rail block `site` (fraction of the rail done).
    case forwardProgress(fraction: Double, site: String)
    case forwardDone(Recording, milliseconds: Double)
    case forwardFailed(String)
    /// Time passes while something animates (the scan playing, the tour's autoplay).
    case frame(milliseconds: Double)
    /// Derived computations were handed to the background queue (see `jobsToStart`).
    case jobsStarted([MambaJob])
    /// A derived computation finished.
    case computed(MambaResult)
    /// Gradient maps were handed to the background queue (see `attributionJobsToStart`).
    case attributionsStarted([AttributionJob])
    /// A gradient map finished (or failed).
    case attributed(AttributionResult)
    /// A gradient map was no longer on screen when its turn came, and was skipped.
    case attributionDropped(AttributionJob)
    /// The run loop handed the pending export to the background.
    case exportStarted
    /// An export finished: its one-line report.
    case exportFinished(String)
}
