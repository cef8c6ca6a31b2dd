import VCEngine

/// One gradient map a view needs (`Attribution.compute`), computed off the UI thread by
/// `AttributionAnalysis` and cached by what it depends on: the method, the site it is taken at
/// (`input` for pixel maps, `network.6` for the Mamba layers' rollouts) and the class explained
/// (nil for ERF and rollout, which explain none).
public struct AttributionJob: Hashable, Sendable {
    public let method: AttributionMethod
    public let site: String
    public let classIndex: Int?

    /// The job of `method` at `site` for class `classIndex`, keyed by what the method reads: the
    /// site only where the map lies on it or starts from it, the class only where one is explained.
    public init(method: AttributionMethod, site: String, classIndex: Int?) {
        self.method = method
        switch method {
        case .gradcam, .layercam, .erf: self.site = site
        case .saliency, .ig: self.site = "input"
        case .rollout, .mambaAttr: self.site = Attribution.defaultSite
        }
        self.classIndex = method.needsClass ? classIndex : nil
    }

    /// "gradcam network.4.3 class 7", for logs.
    public var label: String { "\(method.rawValue) \(site)" + (classIndex.map { " class \($0)" } ?? "") }
}

/// What a job produced, with what it cost.
public struct AttributionResult: Sendable {
    public let job: AttributionJob
    public let output: Result<AttributionMap, MambaJobError>
    public let milliseconds: Double
    /// Set on the job that had to build the gradient model first: how long that took.
    public let modelMilliseconds: Double?

    public init(job: AttributionJob, output: Result<AttributionMap, MambaJobError>, milliseconds: Double, modelMilliseconds: Double? = nil) {
        self.job = job; self.output = output; self.milliseconds = milliseconds; self.modelMilliseconds = modelMilliseconds
    }
}
