namespace DevServe.Hosting;

/// <summary>The servlet of a REPL: whatever <c>Start</c> the session last defined, swapped in at once.</summary>
/// <remarks>
/// Unlike a reloaded script, every version shares one manager: a conversation in progress goes on (its live flow
/// runs the code it started with; a replay runs the new one) when a helper is redefined. Nothing unloads.
/// </remarks>
public sealed class ReplServlet(string currentDirectory, ServletHostOptions? options = null) : IReloadingServlet
{
    private readonly ServletVersions _versions = new(options ?? ServletHostOptions.Default, currentDirectory);
    private Func<Request, Task<Response>>? _start;
    private ThresholdLruManager _manager = new() { KeepsConversations = true };

    /// <inheritdoc/>
    public int VersionNumber => _versions.Number;

    /// <inheritdoc/>
    public Task<int> NextSwap => _versions.NextSwap;

    /// <summary>Serves <paramref name="start"/> from now on; stateful pages of the previous one expire.</summary>
    public void Use(Func<Request, Task<Response>>? start)
    {
        _start = start;
        _versions.Swap(start, start is null ? (_, _, _, _) => NoStartPage() : null, null, _manager);
    }

    /// <summary>Clears every continuation table: the same <c>Start</c>, a fresh manager; old k-urls get the expired page.</summary>
    public void ClearContinuations()
    {
        _manager = new ThresholdLruManager { KeepsConversations = true };
        Use(_start);
    }

    /// <summary>The continuations the current version keeps, most recently used first.</summary>
    public IReadOnlyList<ContinuationInfo> Continuations(int limit = 100) => _versions.Manager?.Snapshot(limit) ?? [];

    /// <inheritdoc/>
    public ValueTask<Response?> Dispatch(Request request) => _versions.TryDispatch(request, out var answer) ? answer : new(NoStartPage());

    private static Response NoStartPage() => Response.Html(
        "<!DOCTYPE html><html><head><title>No servlet yet</title></head><body><h1>No servlet yet</h1>"
        + "<p>Define one at the devserve prompt, e.g. <code>Response Start(Request request) =&gt; Response.Html(\"&lt;h1&gt;Hi&lt;/h1&gt;\");</code>"
        + " — this page reloads by itself.</p></body></html>", 503, "Service Unavailable");

    /// <inheritdoc/>
    public ValueTask DisposeAsync()
    {
        _versions.Clear();
        return ValueTask.CompletedTask;
    }
}
