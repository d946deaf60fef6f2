namespace DevServe;

/// <summary>A host's message pages (Racket's <c>messages</c>), files relative to its configuration root.</summary>
public sealed record HostMessages
{
    /// <summary>The page for a servlet that cannot be loaded (DevServe shows the compile error page instead; see README).</summary>
    public string ServletError { get; init; } = "servlet-error.html";

    /// <summary>The 401 page of a password realm.</summary>
    public string Authentication { get; init; } = "forbidden.html";

    /// <summary>The page of <c>/conf/refresh-servlets</c>.</summary>
    public string ServletsRefreshed { get; init; } = "servlet-refresh.html";

    /// <summary>The page of <c>/conf/refresh-passwords</c>.</summary>
    public string PasswordsRefreshed { get; init; } = "passwords-refresh.html";

    /// <summary>The 404 page.</summary>
    public string FileNotFound { get; init; } = "not-found.html";

    /// <summary>The page for a protocol error (parsed, unused, as in Racket: Kestrel answers those).</summary>
    public string Protocol { get; init; } = "protocol-error.html";

    /// <summary>The page of <c>/conf/collect-garbage</c>.</summary>
    public string CollectGarbage { get; init; } = "collect-garbage.html";
}
