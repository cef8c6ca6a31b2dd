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
    /// the decay exp(Δ·A); diverging for the signed quantities (attention, CAM) and for any site
    /// with negative values; viridis otherwise.
    public func colormap(signed: Bool, override: Colormap?) -> Colormap {
        if let c = override { return c }
        switch self {
        case .site(.decay): return .magma
        case .attention, .classActivation: return .diverging
        case .scanSteps: return .viridis
        case .site: return signed ? .diverging : .viridis
        }
    }

    /// The words a legend puts after the colormap's name when it was chosen automatically.
    public func autoNote(_ colormap: Colormap) -> String {
        switch self {
        case .site(.decay): return "(auto: decay)"
        case .site: return colormap.isDiverging ? "(auto: signed)" : "(auto)"
        default: return "(auto)"
        }
    }
}
