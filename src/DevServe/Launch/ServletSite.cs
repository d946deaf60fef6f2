namespace DevServe;

/// <summary>
/// The one chain built around a served servlet, by <c>Launch.ServeServlet</c> and by <c>devserve run</c>/<c>repl</c>:
/// the quit page, what goes before the servlet, the servlet, static files after it, the not-found page, all wrapped
/// by <see cref="Around"/> and then by the request log.
/// </summary>
/// <param name="Servlet">The servlet (it answers <see cref="Dispatchers.NextDispatcher"/> where it does not serve).</param>
internal sealed record ServletSite(Dispatcher Servlet)
{
    /// <summary>Offer <c>/quit</c>.</summary>
    public bool Quit { get; init; }

    /// <summary>Dispatchers tried after the quit page and before the servlet (the CLI's static roots and the REPL's pages).</summary>
    public IReadOnlyList<Dispatcher> Before { get; init; } = [];

    /// <summary>Directories of static files tried after the servlet (Racket's <c>#:extra-files-paths</c>).</summary>
    public IReadOnlyList<string> FilesAfter { get; init; } = [];

    /// <summary>The answer when nothing else answers; <c>null</c> = the server's own 404.</summary>
    public Func<Request, Response>? NotFound { get; init; }

    /// <summary>Wraps the chain inside the log (the REPL records requests).</summary>
    public Func<Dispatcher, Dispatcher>? Around { get; init; }

    /// <summary>A request log file, or <c>null</c>.</summary>
    public string? LogFile { get; init; }

    /// <summary>The log's line format.</summary>
    public LogFormat LogFormat { get; init; } = LogFormat.ApacheDefault;

    /// <summary>
    /// Opens the log, runs <paramref name="serve"/> with the chain's factory (the quit page needs the launch's
    /// semaphore), and closes the log once the server has stopped, so the last request is in the file when this ends.
    /// </summary>
    public async Task ServeAsync(Func<Func<SemaphoreSlim, Dispatcher>, Task> serve)
    {
        ArgumentNullException.ThrowIfNull(serve);
        await using var log = LogFile is null ? null : new RequestLog(LogFile);
        await serve(semaphore => Build(semaphore, log)).ConfigureAwait(false);
    }

    private Dispatcher Build(SemaphoreSlim semaphore, RequestLog? log)
    {
        Dispatcher site = Dispatchers.Sequencer(
        [
            .. Quit ? [Launch.QuitPage(semaphore)] : Array.Empty<Dispatcher>(),
            .. Before,
            Servlet,
            .. FilesAfter.Select(path => Dispatchers.Files(path)),
            .. NotFound is null ? Array.Empty<Dispatcher>() : [Dispatchers.Lift(NotFound)],
        ]);
        site = Around?.Invoke(site) ?? site;
        return log is null ? site : Dispatchers.Log(LogFormat, log, site);
    }
}
