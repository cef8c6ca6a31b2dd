import VCEngine
import VCRender

/// The colours of a gradient map, one rule for the explorer's gradient view, `vcview export`'s
/// gradient views and `vcview attribute`: diverging (zero at the centre) for Integrated Gradients'
/// signed map, viridis for the others, which are ≥ 0 by construction (as for the positive CAM).
public enum AttributionColormap {
    public static func of(_ method: AttributionMethod) -> Colormap { method.signed ? .diverging : .viridis }
}
