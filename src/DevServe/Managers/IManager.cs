using System.Diagnostics.CodeAnalysis;

namespace DevServe;

/// <summary>Keeps a servlet's continuations: instances, each with the continuations its pages link to.</summary>
/// <remarks>
/// Racket: the <c>manager</c> struct of managers/manager.rkt. Where Racket raises <c>no-instance</c> or
/// <c>no-continuation</c>, lookups here return <c>false</c>: an unknown or expired k-url is routine (back button,
/// restart, eviction) and the servlet answers with <see cref="ExpirationHandler"/>'s page. All members are thread-safe.
/// </remarks>
public interface IManager
{
    /// <summary>
    /// The node (process) that holds these continuations, written into each k-url so a load balancer can send the URL
    /// back to it (<see cref="DevServe.NodeId"/>); <c>null</c> (the default) = a single server, and k-urls name no node.
    /// A k-url naming another node is expired here.
    /// </summary>
    string? Node => null;

    /// <summary>The page for an unknown, expired or evicted continuation.</summary>
    Func<Request, Response> ExpirationHandler { get; }

    /// <summary>Creates an instance; <paramref name="expire"/> runs if the manager ever expires it.</summary>
    int CreateInstance(Action? expire = null);

    /// <summary>Sets how long the instance lives from now (only a timeout manager acts on it).</summary>
    void AdjustTimeout(int instance, TimeSpan timeout);

    /// <summary>Forgets every continuation of the instance (Racket: <c>clear-continuations!</c>).</summary>
    void ClearContinuations(int instance);

    /// <summary>Stores a continuation; returns its id and salt, or <c>false</c> when this manager keeps none.</summary>
    bool TryStore(int instance, object continuation, out long id, out ulong salt);

    /// <summary>Finds a continuation, counting the use (for LRU, timeouts); <c>false</c> if unknown, expired or the salt differs.</summary>
    bool TryLookup(int instance, long id, ulong salt, [MaybeNullWhen(false)] out object continuation);

    /// <summary>Finds a continuation without counting the use (Racket: <c>continuation-peek</c>).</summary>
    bool TryPeek(int instance, long id, ulong salt, [MaybeNullWhen(false)] out object continuation);

    /// <summary>
    /// Roughly how many bytes keeping <paramref name="continuation"/> (as given to <see cref="TryStore"/>) costs, as
    /// <see cref="ThresholdLruManager"/> counts them: for a custom manager that bounds its memory too.
    /// </summary>
    public static long EstimatedBytes(object continuation)
        => continuation is Internal.IEstimatedSize sized ? sized.EstimatedBytes : Internal.IEstimatedSize.FlowBytes;
}
