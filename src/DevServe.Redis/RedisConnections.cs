using System.Collections.Concurrent;
using StackExchange.Redis;

namespace DevServe;

/// <summary>
/// One connection per Redis URL per process (the store and the key ring share it), configured to fail at once while
/// Redis is down rather than queue (a request gets the "store unavailable" page, never a hang) and to reconnect by itself.
/// </summary>
internal static class RedisConnections
{
    private static readonly ConcurrentDictionary<string, Lazy<ConnectionMultiplexer>> s_open = new(StringComparer.Ordinal);

    /// <summary>The connection for <paramref name="url"/> (<c>redis://[:password@]host[:port][/db]</c>).</summary>
    /// <exception cref="FormatException">Not such a URL.</exception>
    public static ConnectionMultiplexer For(string url)
    {
        var options = Options(url);
        return s_open.GetOrAdd(url, _ => new Lazy<ConnectionMultiplexer>(() => ConnectionMultiplexer.Connect(options))).Value;
    }

    /// <summary>The client options a URL gives.</summary>
    /// <exception cref="FormatException">Not a <c>redis://</c> URL with a host.</exception>
    public static ConfigurationOptions Options(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme != "redis" || uri.Host.Length == 0)
        {
            throw new FormatException($"{url}: not a Redis URL (redis://host[:port][/db]).");
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
        };
        options.EndPoints.Add(uri.Host, uri.IsDefaultPort ? 6379 : uri.Port);
        var db = uri.AbsolutePath.Trim('/');
        if (db.Length > 0)
        {
            options.DefaultDatabase = int.TryParse(db, out var n) && n >= 0 ? n : throw new FormatException($"{url}: the database is a number (redis://host:port/0).");
        }
        if (uri.UserInfo is { Length: > 0 } user)
        {
            var colon = user.IndexOf(':', StringComparison.Ordinal);
            options.User = colon < 0 ? Uri.UnescapeDataString(user) : colon > 0 ? Uri.UnescapeDataString(user[..colon]) : null;
            options.Password = colon < 0 ? null : Uri.UnescapeDataString(user[(colon + 1)..]);
        }
        return options;
    }

    /// <summary>Whether <paramref name="e"/> means Redis could not be asked or could not answer (down, slow, out of memory).</summary>
    public static bool IsUnavailable(Exception e) => e is RedisConnectionException or RedisTimeoutException or RedisServerException or ObjectDisposedException;
}
