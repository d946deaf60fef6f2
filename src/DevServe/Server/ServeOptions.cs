using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;

namespace DevServe;

/// <summary>Everything <see cref="Server.StartAsync"/> needs besides the dispatcher, in one place.</summary>
/// <remarks>
/// The C# face of Racket's <c>serve</c> keywords. Unlike <c>Serve</c>'s loose parameters, nothing here is silently
/// ignored: the backlog and the request-read timeout live in <see cref="SafetyLimits"/> only.
/// </remarks>
public sealed record ServeOptions
{
    /// <summary>The address to bind: an IP, <c>localhost</c> or a host name; <c>null</c> = every address (Racket's default).</summary>
    public string? ListenIp { get; init; }

    /// <summary>The ports; 0 binds a free one (see <see cref="RunningWebServer.Ports"/>). Racket's default is 80.</summary>
    public IReadOnlyList<int> Ports { get; init; } = [80];

    /// <summary>Close every connection after one request.</summary>
    public bool ConnectionClose { get; init; }

    /// <summary>HTTPS from PEM files; or give <see cref="Certificate"/>.</summary>
    public Tls? Tls { get; init; }

    /// <summary>HTTPS with this certificate (it must carry its private key); wins over <see cref="Tls"/>.</summary>
    public X509Certificate2? Certificate { get; init; }

    /// <summary>Every limit, including the backlog and the request-read timeout.</summary>
    public SafetyLimits SafetyLimits { get; init; } = new();

    /// <summary>Where dispatcher failures and server errors are logged; <c>null</c> = standard error.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }
}
