using System.Collections.Concurrent;
using StackExchange.Redis;

namespace DevServe;

/// <summary>
/// One connection per Redis URL per process (the store and the key ring share it), configured to fail at once while
/// Redis is down rather than queue (a request gets the "store unavailable" page, never a hang) and to reconnect by itself.
/// </summary>
internal static partial class RedisConnections
{
    private static readonly ConcurrentDictionary<string, Lazy<ConnectionMultiplexer>> s_open = new(StringComparer.Ordinal);

    /// <summary>The connection for <paramref name="url"/> (<c>redis://[:password@]host[:port][/db]</c>; <c>rediss://</c> for TLS).</summary>
    /// <exception cref="FormatException">Not such a URL.</exception>
    public static ConnectionMultiplexer For(string url)
    {
        // The client's own reader and writer threads: stores are called synchronously (IStore, like Racket's), on
        // request threads, and a reply read on the thread pool would wait for the very threads those calls block
        // (at 32 connections the pool starved: a few requests a second). Set before any connection is made.
        ConnectionMultiplexer.SetFeatureFlag("DedicatedThreads", true);
        var options = Options(url);
        return s_open.GetOrAdd(url, _ => new Lazy<ConnectionMultiplexer>(() => ConnectionMultiplexer.Connect(options))).Value;
    }

    /// <summary>The client options a URL gives.</summary>
    /// <exception cref="FormatException">Not a <c>redis://</c> URL with a host.</exception>
    public static ConfigurationOptions Options(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("redis" or "rediss") || uri.Host.Length == 0)
        {
            throw new FormatException($"{Redact(url)}: not a Redis URL (redis://host[:port][/db], rediss:// for TLS).");
        }
        var options = new ConfigurationOptions
        {
            AbortOnConnectFail = false,   // start while Redis is down; connect when it comes
            BacklogPolicy = BacklogPolicy.FailFast,
            ConnectTimeout = 2000,
            SyncTimeout = 2000,
            AsyncTimeout = 2000,
            ConnectRetry = 1,
            ClientName = "devserve",
            Ssl = uri.Scheme == "rediss",
        };
        options.EndPoints.Add(uri.Host, uri.IsDefaultPort ? 6379 : uri.Port);
        var db = uri.AbsolutePath.Trim('/');
        if (db.Length > 0)
        {
            options.DefaultDatabase = int.TryParse(db, out var n) && n >= 0 ? n : throw new FormatException($"{Redact(url)}: the database is a number (redis://host:port/0).");
        }
        if (uri.UserInfo is { Length: > 0 } user)
        {
            var colon = user.IndexOf(':', StringComparison.Ordinal);
            options.User = colon < 0 ? Uri.UnescapeDataString(user) : colon > 0 ? Uri.UnescapeDataString(user[..colon]) : null;
            options.Password = colon < 0 ? null : Uri.UnescapeDataString(user[(colon + 1)..]);
        }
        return options;
    }

    /// <summary><paramref name="url"/> without its password, for messages and logs.</summary>
    public static string Redact(string url) => UserInfo().Replace(url, "***@");

    [System.Text.RegularExpressions.GeneratedRegex("(?<=://)[^@/]*@")]
    private static partial System.Text.RegularExpressions.Regex UserInfo();

    /// <summary>Whether <paramref name="e"/> means Redis could not be asked or could not answer (down, slow, out of memory).</summary>
    public static bool IsUnavailable(Exception e) => e is RedisConnectionException or RedisTimeoutException or RedisServerException or ObjectDisposedException;
}
