using System.Diagnostics;

namespace DevServe.Cli;

/// <summary>The last requests a server answered, with status and time, for the REPL's <c>#requests</c>.</summary>
internal sealed class RequestHistory(int capacity)
{
    private readonly Queue<Entry> _entries = new();

    /// <summary>One request: when, what, the answer's status (0 = none) and how long it took.</summary>
    public sealed record Entry(DateTime At, string Method, string Target, int Status, TimeSpan Elapsed);

    /// <summary>Records every request <paramref name="inner"/> answers, except DevServe's own (live reload, shown pages).</summary>
    public Dispatcher Wrap(Dispatcher inner) => request =>
    {
        if (request.Path.StartsWith("/__devserve/", StringComparison.Ordinal))
        {
            return inner(request);
        }
        var started = Stopwatch.GetTimestamp();
        var pending = inner(request);
        if (pending.IsCompletedSuccessfully)
        {
            Add(request, pending.Result, started);
            return pending;
        }
        return RecordAsync(request, pending, started);
    };

    private async ValueTask<Response?> RecordAsync(Request request, ValueTask<Response?> pending, long started)
    {
        var response = await pending.ConfigureAwait(false);
        Add(request, response, started);
        return response;
    }

    private void Add(Request request, Response? response, long started)
    {
        var entry = new Entry(DateTime.Now, request.Method, request.Uri.PathAndQuery, response?.Code ?? 0, Stopwatch.GetElapsedTime(started));
        lock (_entries)
        {
            _entries.Enqueue(entry);
            while (_entries.Count > capacity)
            {
                _entries.Dequeue();
            }
        }
    }

    /// <summary>The recorded requests, oldest first.</summary>
    public IReadOnlyList<Entry> Recent()
    {
        lock (_entries)
        {
            return [.. _entries];
        }
    }
}
