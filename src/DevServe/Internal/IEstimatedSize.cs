namespace DevServe.Internal;

/// <summary>A stored continuation that knows roughly how many bytes keeping it costs (see <see cref="ThresholdLruManager"/>).</summary>
internal interface IEstimatedSize
{
    /// <summary>
    /// The fixed cost of one suspended flow. Measured here: 1,250 B of retained heap per flow of a minimal servlet,
    /// manager node included (full GC before and after 50,000 flows). Charged with ~20 % headroom, because a
    /// generational GC holds churned long-lived objects for a while after they die (BENCHMARKS.md, churn).
    /// </summary>
    const long FlowBytes = 1536;

    long EstimatedBytes { get; }
}
