namespace DevServe.Hosting;

/// <summary>
/// The versions of a reloading servlet: the one being served, swapped atomically for the next, each its own
/// <c>DispatchServlet</c> with its own manager.
/// </summary>
/// <remarks>
/// A stateful page of an older version gets the expired page saying the servlet was reloaded, and the old version's
/// code can unload once its requests end — except while the code does not compile: the last serving version's
/// continuations (and so its code) stay until a version serves again, so a step that comes meanwhile can be retried. Stateless pages keep working: their URLs replay the new version.
/// </remarks>
/// <param name="options">The launch's options (statelessness, editor links).</param>
/// <param name="currentDirectory">The servlet's directory.</param>
/// <param name="name">What the terminal calls the servlet when it reports a reload (<c>add.csx</c>); <c>null</c> = no reports.</param>
internal sealed class ServletVersions(ServletHostOptions options, string currentDirectory, string? name = null)
{
    private volatile Version? _current;
    private TaskCompletionSource<int> _swapped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _reloadStarted;
    // The continuations of the last version that served: while the code does not compile, a k-url request that comes
    // is kept with the conversation it would have resumed, for the retry on the fixed code.
    private volatile ThresholdLruManager? _serving;
    private TimeSpan _compile;

    private sealed record Version(int Number, Dispatcher? Servlet, ErrorPage? ErrorPage, Action? Unload, ThresholdLruManager Manager);

    public int Number => _current?.Number ?? 0;

    /// <summary>The requests kept for "retry with the new code".</summary>
    public FixAndRetry Retries { get; } = new();

    /// <summary>What the last reload did and how long it took; <c>null</c> before the first reload.</summary>
    public ReloadReport? LastReload { get; private set; }

    /// <summary>A reload begins: its time counts from <paramref name="timestamp"/> (the save that caused it).</summary>
    public void ReloadStarted(long timestamp) => _reloadStarted = timestamp;

    /// <summary>The reload's compile (or build) took <paramref name="elapsed"/>.</summary>
    public void Compiled(TimeSpan elapsed) => _compile = elapsed;

    public bool Started => _current is not null;

    public Task<int> NextSwap => _swapped.Task;

    /// <summary>The current version's continuation manager (stateful servlets).</summary>
    public ThresholdLruManager? Manager => _current?.Manager;

    /// <summary>The current version's answer; <c>false</c> before the first version.</summary>
    public bool TryDispatch(Request request, out ValueTask<Response?> answer)
    {
        var current = _current;
        if (current is null)
        {
            answer = default;
            return false;
        }
        if (Retries.Any && Retries.Take(request) is { } retry)
        {
            if (retry.Answer is { } refused)
            {
                answer = new(refused);
                return true;
            }
            request = retry.Retry!;
        }
        answer = current.Servlet is { } servlet ? servlet(request)
            : new ValueTask<Response?>(current.ErrorPage!(request, _serving is { } serving ? Conversation.Pending(serving, request) : null, options.Editor, Retries));
        return true;
    }

    /// <summary>The current version's answer; before the first version, the answer once <paramref name="first"/> (its load) completes.</summary>
    public ValueTask<Response?> Dispatch(Request request, Task first)
        => TryDispatch(request, out var answer) ? answer : WaitForFirstAsync(request, first);

    private async ValueTask<Response?> WaitForFirstAsync(Request request, Task first)
    {
        await first.ConfigureAwait(false);
        return await Dispatch(request, first).ConfigureAwait(false);
    }

    /// <summary>Serves <paramref name="start"/> from now on, or when it is null <paramref name="errorPage"/>; the old version's <paramref name="unload"/> runs.</summary>
    /// <param name="start">The new version's servlet.</param>
    /// <param name="errorPage">The page while there is no servlet.</param>
    /// <param name="unload">Runs when this version is replaced.</param>
    /// <param name="manager">The version's manager; by default a new one, so the old version's pages expire and its code can unload.</param>
    public int Swap(Func<Request, Task<Response>>? start, ErrorPage? errorPage, Action? unload, ThresholdLruManager? manager = null)
    {
        var number = (_current?.Number ?? 0) + 1;
        manager ??= new ThresholdLruManager(expirationHandler: number == 1 ? null : request => ExpiredPage.WithMessage(request,
            "This page belongs to an earlier version of the servlet, which has been reloaded since. Please start over."))
        {
            KeepsConversations = true,   // fix-and-retry replays conversations through embedded handlers
            Node = options.NodeId,
        };
        var servlet = start is null ? null
            : Servlets.DispatchServlet(start, stateless: options.Stateless, stuffer: options.Stuffer, manager: options.Stateless ? null : manager,
                currentDirectory: currentDirectory, servletErrorResponder: (request, exception) => RuntimeErrorPage.For(request, exception, options.Editor, Retries));
        var old = _current;
        Report(number, start is not null);
        _serving = start is not null ? manager : old?.Servlet is not null ? old.Manager : _serving;
        _current = new Version(number, servlet, errorPage, unload, manager);
        if (old?.Unload is { } previous)
        {
            ClearReflectionCaches();
            previous();   // cooperative: completes once the old version's requests and flows are gone
        }
        Interlocked.Exchange(ref _swapped, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult(number);
        return number;
    }

    // The terminal's line for a reload, kept for the tabs: what it did, how long since the save, how much was the compile.
    private void Report(int number, bool compiled)
    {
        var started = Interlocked.Exchange(ref _reloadStarted, 0);
        if (name is null || started == 0)
        {
            return;
        }
        var total = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        var text = compiled
            ? $"reloaded {name} in {total:0} ms (compile {_compile.TotalMilliseconds:0} ms)"
            : $"{name} does not compile: error page after {total:0} ms (compile {_compile.TotalMilliseconds:0} ms)";
        LastReload = new ReloadReport(number, compiled, text);
        if (number > 1)
        {
            Console.WriteLine(text);
        }
    }

    /// <summary>Unloads the current version.</summary>
    public void Clear()
    {
        var old = _current;
        _current = null;
        _serving = null;
        old?.Unload?.Invoke();
    }

    // System.Text.Json caches metadata per type: a servlet type serialized once would pin its load context
    // (docs/design/hosting.md §1.2). Its hot-reload hook clears the caches; it is private, so it is found by name,
    // and a runtime that renames it gets a warning (once) rather than a silent leak.
    private static readonly System.Reflection.MethodInfo? s_clearJsonCaches = typeof(System.Text.Json.JsonSerializerOptions).Assembly
        .GetType("System.Text.Json.JsonSerializerOptionsUpdateHandler")?
        .GetMethod("ClearCache", System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static);

    private static int s_warned;

    /// <summary>Whether System.Text.Json's hot-reload cache hook was found (a test keeps this true across runtime updates).</summary>
    internal static bool CanClearReflectionCaches => s_clearJsonCaches is not null;

    private static void ClearReflectionCaches()
    {
        if (s_clearJsonCaches is null)
        {
            if (Interlocked.Exchange(ref s_warned, 1) == 0)
            {
                Console.Error.WriteLine("DevServe: warning: System.Text.Json's cache-clearing hook was not found in this runtime; "
                    + "servlet versions that serialized JSON may stay in memory after a reload.");
            }
            return;
        }
        s_clearJsonCaches.Invoke(null, [null]);
    }
}
