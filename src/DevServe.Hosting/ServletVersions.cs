namespace DevServe.Hosting;

/// <summary>
/// The versions of a reloading servlet: the one being served, swapped atomically for the next, each its own
/// <c>DispatchServlet</c> with its own manager.
/// </summary>
/// <remarks>
/// A stateful page of an older version gets the expired page saying the servlet was reloaded, and the old version's
/// code can unload once its requests end. Stateless pages keep working: their URLs replay the new version.
/// </remarks>
internal sealed class ServletVersions(ServletHostOptions options, string currentDirectory)
{
    private volatile Version? _current;
    private TaskCompletionSource<int> _swapped = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private sealed record Version(int Number, Dispatcher? Servlet, Func<Response>? ErrorPage, Action? Unload, ThresholdLruManager Manager);

    public int Number => _current?.Number ?? 0;

    public bool Started => _current is not null;

    public Task<int> NextSwap => _swapped.Task;

    /// <summary>The current version's continuation manager (stateful servlets).</summary>
    public ThresholdLruManager? Manager => _current?.Manager;

    /// <summary>The current version's answer; <c>false</c> before the first version.</summary>
    public bool TryDispatch(Request request, out ValueTask<Response?> answer)
    {
        switch (_current)
        {
            case null:
                answer = default;
                return false;
            case { Servlet: { } servlet }:
                answer = servlet(request);
                return true;
            case var failed:
                answer = new ValueTask<Response?>(failed.ErrorPage!());
                return true;
        }
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
    public int Swap(Func<Request, Task<Response>>? start, Func<Response>? errorPage, Action? unload, ThresholdLruManager? manager = null)
    {
        var number = (_current?.Number ?? 0) + 1;
        manager ??= new ThresholdLruManager(expirationHandler: number == 1 ? null : request => ExpiredPage.WithMessage(request,
            "This page belongs to an earlier version of the servlet, which has been reloaded since. Please start over."));
        var servlet = start is null ? null
            : Servlets.DispatchServlet(start, stateless: options.Stateless, stuffer: options.Stuffer, manager: options.Stateless ? null : manager,
                currentDirectory: currentDirectory, servletErrorResponder: RuntimeErrorPage.For);
        var old = _current;
        _current = new Version(number, servlet, errorPage, unload, manager);
        if (old?.Unload is { } previous)
        {
            ClearReflectionCaches();
            previous();   // cooperative: completes once the old version's requests and flows are gone
        }
        Interlocked.Exchange(ref _swapped, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult(number);
        return number;
    }

    /// <summary>Unloads the current version.</summary>
    public void Clear()
    {
        var old = _current;
        _current = null;
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
