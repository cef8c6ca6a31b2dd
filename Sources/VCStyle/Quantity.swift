import VCEngine
import VCRender

/// What a view draws, as far as colour is concerned.
public enum Quantity: Sendable, Equatable {
    /// A recorded site, by its kind in the engine's catalogue.
    case site(SiteKind)
    /// The scan step at which each token is read (the scan-order views).
    case scanSteps
    /// Implicit attention α: signed, a token's weight in the scan output.
    case attention
    /// A class activation map w·z_p: signed, a token's share of the logit.
    case classActivation

    /// The colormap the values are drawn with: the override when the user chose one; magma for
    /// the decay exp(Δ·A); diverging (symmetric about zero) only for data that are signed —
    /// attention, a CAM or any site with values on both sides of zero — and for the direction
    /// shares, drawn as points above or below 25 %; viridis (sequential) otherwise, so a CAM
    /// that is positive everywhere is not one uniform red.
    public func colormap(signed: Bool, override: Colormap?) -> Colormap {
        if let c = override { return c }
        switch self {
        case .site(.decay): return .magma
        case .site(.directionShare): return .diverging
        case .scanSteps: return .viridis
        case .attention, .classActivation, .site: return signed ? .diverging : .viridis
        }
    }

    /// What the values are, for the legend: the CAM's units and sign, the shares' baseline.
    public var legendNote: String? {
        switch self {
        case .classActivation: return "w·z_p, logit share, + for the class"
        case .site(.directionShare): return ShareDifference.caption
        default: return nil
        }
    }

    /// The words a legend puts after the colormap's name when it was chosen automatically.
    public func autoNote(_ colormap: Colormap) -> String {
        switch self {
        case .site(.decay): return "(auto: decay)"
        case .site(.directionShare): return colormap.isDiverging ? "(auto: vs 25%)" : "(auto)"
        case .site: return colormap.isDiverging ? "(auto: signed)" : "(auto)"
        default: return "(auto)"
        }
    }
}
