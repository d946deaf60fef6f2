namespace DevServe;

/// <summary>Stores for <see cref="Stuffers.Hash"/> that several nodes share.</summary>
public static class Stores
{
    /// <summary>The hash store in the Redis at <paramref name="url"/> (<c>redis://[:password@]host[:port][/db]</c>); see <see cref="RedisStore"/>.</summary>
    /// <exception cref="FormatException">Not a Redis URL.</exception>
    public static RedisStore Redis(string url, TimeSpan? expiry = null, int? maxValueBytes = null, long? memoryBytes = null)
        => new(RedisConnections.For(url), expiry: expiry, maxValueBytes: maxValueBytes, memoryBytes: memoryBytes);
}
