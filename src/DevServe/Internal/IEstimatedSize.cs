namespace DevServe.Internal;

/// <summary>A stored continuation that knows roughly how many bytes keeping it costs (see <see cref="ThresholdLruManager"/>).</summary>
internal interface IEstimatedSize
{
    /// <summary>The fixed cost of one suspended flow: ~1.4 KB measured (continuation-notes.md §2), rounded up.</summary>
    const long FlowBytes = 1536;

    long EstimatedBytes { get; }
}
