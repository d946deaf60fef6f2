using System.Text.Json.Serialization;

namespace DevServe;

/// <summary>
/// A whole site's configuration: Racket's configuration table (<c>configuration-table.rkt</c>) as a C# model, with
/// its defaults. Read it with <see cref="Load"/> from a JSON file (<c>site.json</c>) or from Racket's own
/// s-expression file; serve it with <see cref="Server.ServeWebConfig"/>.
/// </summary>
public sealed record WebConfig
{
    /// <summary>The port (Racket's default: 80; 0 = a free one).</summary>
    public int Port { get; init; } = 80;

    /// <summary>The listen backlog.</summary>
    public int MaxWaiting { get; init; } = 511;

    /// <summary>Seconds a connection may take to send its request.</summary>
    public double InitialConnectionTimeout { get; init; } = 30;

    /// <summary>The address to listen on; <c>null</c> = every address.</summary>
    public string? ListenIp { get; init; }

    /// <summary>The host table of requests whose <c>Host</c> matches no virtual host.</summary>
    public HostTable DefaultHost { get; init; } = new();

    /// <summary>Virtual hosts, tried in order against the request's <c>Host</c>.</summary>
    public IReadOnlyList<VirtualHost> VirtualHosts { get; init; } = [];

    /// <summary>Serve the site's servlets statelessly: their continuations travel in signed links (<c>devserve serve --stateless</c>).</summary>
    public bool Stateless { get; init; }

    /// <summary>With <see cref="Stateless"/>: encrypt the links too (AES-GCM).</summary>
    public bool EncryptLinks { get; init; }

    /// <summary>
    /// With <see cref="Stateless"/>: where links too big for a URL are kept, a directory (relative to this file) or a
    /// <c>redis://host:port</c> URL every node shares; <c>null</c> = the default directory.
    /// </summary>
    public string? Store { get; init; }

    /// <summary>
    /// With <see cref="Stateless"/>: the key ring the links are signed with, a file (relative to this file) or a
    /// <c>redis://host:port</c> URL every node shares; <c>null</c> = the per-user key file.
    /// </summary>
    public string? KeyRing { get; init; }

    /// <summary>This node's name in its k-urls, so a load balancer routes each back to it (<see cref="IManager.Node"/>); <c>null</c> = one server.</summary>
    public string? NodeId { get; init; }

    /// <summary>Where relative host roots start: the directory of the file it was loaded from (else the working directory).</summary>
    [JsonIgnore]
    public string BaseDirectory { get; init; } = Directory.GetCurrentDirectory();

    /// <summary>
    /// Reads a configuration file: JSON when it starts with <c>{</c>, else Racket's s-expression configuration table.
    /// Relative paths in it resolve from the file's directory.
    /// </summary>
    /// <exception cref="WebConfigException">The file cannot be read or says something invalid; the message names the key and the position.</exception>
    public static WebConfig Load(string path)
    {
        var full = Path.GetFullPath(path);
        string text;
        try
        {
            text = File.ReadAllText(full);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new WebConfigException($"{full}: {e.Message}");
        }
        return Parse(text, full) with { BaseDirectory = Path.GetDirectoryName(full)! };
    }

    /// <summary>Reads configuration text (JSON or s-expression); <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="WebConfigException">It says something invalid.</exception>
    public static WebConfig Parse(string text, string source)
        => text.TrimStart().StartsWith('{') ? WebConfigJson.Read(text, source) : ConfigurationTable.Read(text, source);

    /// <summary>This configuration as JSON, the <c>site.json</c> format.</summary>
    public string ToJson() => WebConfigJson.Write(this);

    /// <summary>This configuration as Racket's configuration table.</summary>
    public string ToConfigurationTable() => ConfigurationTable.Write(this);
}
