namespace DevServe;

/// <summary>One host's configuration: index files, log format, message pages, timeouts and paths (Racket's <c>host-table</c>).</summary>
public sealed record HostTable
{
    /// <summary>Files tried, in order, for a directory URL.</summary>
    public IReadOnlyList<string> Indices { get; init; } = ["index.html", "index.htm"];

    /// <summary>The request log's line format.</summary>
    public LogFormat LogFormat { get; init; } = LogFormat.ParenthesizedDefault;

    /// <summary>The pages answered for errors and for the <c>/conf/</c> URLs, relative to the configuration root.</summary>
    public HostMessages Messages { get; init; } = new();

    /// <summary>Timeouts, in seconds.</summary>
    public HostTimeouts Timeouts { get; init; } = new();

    /// <summary>Where the host's files are.</summary>
    public HostPaths Paths { get; init; } = new();
}
