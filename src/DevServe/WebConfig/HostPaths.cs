namespace DevServe;

/// <summary>
/// Where a host's files are (Racket's <c>paths</c>). The host root is relative to the configuration file; the
/// configuration root, log file, file root, MIME types and passwords are relative to the host root; the servlet root
/// is relative to the file root (servlets live among the files); message pages are relative to the configuration root.
/// </summary>
public sealed record HostPaths
{
    /// <summary>The directory of message pages.</summary>
    public string ConfigurationRoot { get; init; } = "conf";

    /// <summary>The host's directory. Racket's parser defaults a missing one to <c>default-web-root</c>; DevServe to the file's directory.</summary>
    public string HostRoot { get; init; } = ".";

    /// <summary>The request log; <c>null</c> = no log.</summary>
    public string? LogFile { get; init; } = "log";

    /// <summary>The static files.</summary>
    public string FileRoot { get; init; } = "htdocs";

    /// <summary>The directory of servlet files, under the file root.</summary>
    public string ServletRoot { get; init; } = ".";

    /// <summary>An Apache <c>mime.types</c> file; <c>null</c> or missing = DevServe's built-in types.</summary>
    public string? MimeTypes { get; init; } = "mime.types";

    /// <summary>A Racket passwords file of realms; <c>null</c> or missing = no realms.</summary>
    public string? Passwords { get; init; } = "passwords";
}
