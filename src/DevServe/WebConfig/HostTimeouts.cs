namespace DevServe;

/// <summary>A host's timeouts in seconds (Racket's <c>timeouts</c>).</summary>
public sealed record HostTimeouts
{
    /// <summary>A servlet instance's default timeout.</summary>
    public double DefaultServlet { get; init; } = 30;

    /// <summary>Time allowed for requests to a password realm.</summary>
    public double Password { get; init; } = 300;

    /// <summary>Time allowed for a servlet request.</summary>
    public double ServletConnection { get; init; } = 86400;

    /// <summary>Per byte of a file (parsed, unused, as in Racket).</summary>
    public double FilePerByte { get; init; } = 0.05;

    /// <summary>Base time for a file (parsed, unused, as in Racket).</summary>
    public double FileBase { get; init; } = 30;
}
