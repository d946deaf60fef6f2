using System.Diagnostics.CodeAnalysis;
using StackExchange.Redis;

namespace DevServe;

/// <summary>
/// The stateless links' hash store in Redis, shared by every node: one string per key with a time to live, so a big
/// continuation stored by one node resolves on all of them.
/// </summary>
/// <remarks>
/// The bound on the whole store is Redis's own: run it with <c>maxmemory</c> and <c>maxmemory-policy volatile-lru</c>
/// (the entries here all have a TTL, a key ring kept beside them has none and is never evicted);
/// <see cref="MaxValueBytes"/> bounds one value. A value that is gone reads as missing, and its link gets the
/// servlet's "invalid link" page, as in <see cref="DirectoryStore"/>. While Redis cannot be reached, reads and writes
/// throw <see cref="StoreUnavailableException"/> at once (no queueing): those requests get a 503 page, every other page
/// is served, and the connection comes back by itself. The most recently used values are also kept in memory (as
/// <see cref="DirectoryStore"/> does), and read from there for at most a minute after Redis last had them.
/// </remarks>
public sealed class RedisStore : IStore
{
    // A value read from memory is one Redis still had this long ago: it may have been evicted since (then this node
    // resumes a link the others refuse, for at most this long), never changed.
    private static readonly TimeSpan s_memoryAge = TimeSpan.FromMinutes(1);
    private readonly IConnectionMultiplexer _redis;
    // Recently read or written values. A key is the SHA-256 of its value, so a value never changes under its key (and
    // the Hash stuffer checks it again anyway); only whether Redis still holds it can.
    private readonly BoundedValues _recent;

    /// <summary>A store over a connection.</summary>
    /// <param name="redis">The connection.</param>
    /// <param name="prefix">What every key starts with (default <c>devserve:url:</c>).</param>
    /// <param name="expiry">How long a value stays readable after it was last written (default 7 days).</param>
    /// <param name="maxValueBytes">The largest value stored (default 1 MiB).</param>
    /// <param name="memoryBytes">Bytes of recently used values also kept in memory (default 8 MiB; 0 = none).</param>
    public RedisStore(IConnectionMultiplexer redis, string? prefix = null, TimeSpan? expiry = null, int? maxValueBytes = null, long? memoryBytes = null)
    {
        ArgumentNullException.ThrowIfNull(redis);
        _redis = redis;
        Prefix = prefix ?? "devserve:url:";
        Expiry = expiry ?? TimeSpan.FromDays(7);
        MaxValueBytes = maxValueBytes ?? 1024 * 1024;
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(Expiry, TimeSpan.Zero, nameof(expiry));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxValueBytes, nameof(maxValueBytes));
        _recent = new BoundedValues(memoryBytes ?? 8L * 1024 * 1024);
    }

    /// <summary>What every key of this store starts with.</summary>
    public string Prefix { get; }

    /// <summary>How long a value stays readable after it was last written.</summary>
    public TimeSpan Expiry { get; }

    /// <summary>The largest value this store keeps.</summary>
    public int MaxValueBytes { get; }

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">The key is not a hex hash.</exception>
    /// <exception cref="ValueTooLargeException">The value is larger than <see cref="MaxValueBytes"/>.</exception>
    /// <exception cref="StoreUnavailableException">Redis cannot be reached, or refused the value (out of memory with no eviction policy).</exception>
    public void Write(string key, byte[] value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (!BoundedValues.IsKey(key))
        {
            throw new ArgumentException("A store key is a lower-case hex hash.", nameof(key));
        }
        if (value.Length > MaxValueBytes)
        {
            throw new ValueTooLargeException($"A value of {value.Length} bytes is larger than the store allows ({MaxValueBytes} bytes).");
        }
        try
        {
            // Content-addressed: writing again only renews the time to live (a link handed out again is new again).
            _redis.GetDatabase().StringSet(Prefix + key, value, Expiry);
            _recent.Add(key, value);
        }
        catch (Exception e) when (RedisConnections.IsUnavailable(e))
        {
            throw new StoreUnavailableException($"The Redis store cannot take the value: {e.Message}", e);
        }
    }

    /// <inheritdoc/>
    /// <exception cref="StoreUnavailableException">Redis cannot be reached.</exception>
    public bool TryRead(string key, [MaybeNullWhen(false)] out byte[] value)
    {
        value = null;
        if (!BoundedValues.IsKey(key))
        {
            return false;
        }
        if (_recent.TryGet(key, s_memoryAge < Expiry ? s_memoryAge : Expiry / 2, out value))
        {
            return true;
        }
        RedisValue stored;
        try
        {
            stored = _redis.GetDatabase().StringGet(Prefix + key);
        }
        catch (Exception e) when (RedisConnections.IsUnavailable(e))
        {
            throw new StoreUnavailableException($"The Redis store cannot be read: {e.Message}", e);
        }
        if (stored.IsNull)
        {
            return false;
        }
        value = (byte[])stored!;
        _recent.Add(key, value);
        return true;
    }

    /// <summary>
    /// Why Redis would not bound this store, from its <c>INFO memory</c> (no <c>maxmemory</c>, or a policy that evicts
    /// nothing or also evicts keys without a TTL); <c>null</c> when it is bounded, or cannot be asked now.
    /// </summary>
    public string? BoundProblem()
    {
        try
        {
            // INFO from a script: the client asks for its admin mode to send INFO itself, which nothing else here wants.
            var text = _redis.IsConnected ? _redis.GetDatabase().ScriptEvaluate("return redis.call('INFO', 'memory')").ToString() : null;
            var info = text?.Split('\n').Select(line => line.Trim().Split(':', 2)).Where(pair => pair.Length == 2)
                .ToDictionary(pair => pair[0], pair => pair[1], StringComparer.Ordinal);
            if (info is null)
            {
                return null;
            }
            if (info.GetValueOrDefault("maxmemory") is "0" or null)
            {
                return "Redis has no maxmemory: the link store grows until the machine runs out (set maxmemory and maxmemory-policy volatile-lru).";
            }
            var policy = info.GetValueOrDefault("maxmemory_policy");
            return policy is "volatile-lru" or "volatile-lfu" or "volatile-ttl" or "volatile-random" ? null
                : $"Redis's maxmemory-policy is {policy}: use volatile-lru, so old links go first and a key ring kept there never does.";
        }
        catch (Exception e) when (e is RedisException or RedisCommandException or TimeoutException)
        {
            return null;   // not allowed to ask (a managed Redis may refuse INFO): say nothing
        }
    }
}
