namespace DevServe.Internal;

/// <summary>A stored continuation that knows roughly how many bytes keeping it costs (see <see cref="ThresholdLruManager"/>).</summary>
internal interface IEstimatedSize
{
    /// <summary>
    /// The fixed cost of one suspended flow that is kept live (its frames could not be copied, or it is not
    /// resumable). Measured here: 1,195 B of retained heap per flow of a minimal servlet, manager node included (full
    /// GC before and after 50,000 flows). Charged with ~25 % headroom, because a generational GC holds churned
    /// long-lived objects for a while after they die (BENCHMARKS.md, churn).
    /// </summary>
    const long FlowBytes = 1536;

    /// <summary>
    /// The same for a flow kept as a template of copyable frames: 715 B measured with a minimal request, of which 200 B
    /// are the request (charged on its own, <c>Request.RetainedBytes</c>), so 515 B, charged with ~30 % headroom.
    /// </summary>
    const long ResumableFlowBytes = 672;

    /// <summary>
    /// The same for a template kept without a log (<c>ServletRuntime.KeepsWholeLogs</c> false): its frames, the
    /// chain and the manager's slot, no live flow: 338 B measured (charged with ~30 % headroom), plus the request it was
    /// fed last, charged on its own (409 B in all with a one-header request).
    /// </summary>
    const long SealedFlowBytes = 448;

    long EstimatedBytes { get; }
}
