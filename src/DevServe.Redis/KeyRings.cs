namespace DevServe;

/// <summary>Key rings that several nodes share (one in a file: <see cref="KeyRing.File"/>).</summary>
public static class KeyRings
{
    /// <summary>The key ring kept in the Redis at <paramref name="url"/>, under <c>devserve:keyring</c>.</summary>
    /// <exception cref="FormatException">Not a Redis URL.</exception>
    public static KeyRing Redis(string url, TimeSpan? refreshInterval = null)
        => new(new RedisKeyRingStorage(RedisConnections.For(url), url, "devserve:keyring"), refreshInterval);
}
