namespace DevServe.Cli;

/// <summary>
/// Where stateless links are signed and stored (<c>--store</c>, <c>--key-ring</c>), as the command line, a launch
/// profile or <c>site.json</c> names them: a directory or file path, or a <c>redis://</c> URL. Nodes that name the same
/// store and ring resume each other's links (docs/scale-out.md).
/// </summary>
internal static class LinkStorage
{
    /// <summary>The hash store <paramref name="store"/> names (a directory or a <c>redis://</c> URL); <c>null</c> = the default directory.</summary>
    /// <exception cref="FormatException">A malformed <c>redis://</c> URL.</exception>
    public static IStore Store(string? store)
        => store is not null && IsRedis(store) ? Stores.Redis(store) : new DirectoryStore(store ?? Stuffers.DefaultStorePath);

    /// <summary>The key ring <paramref name="ring"/> names (read once now, so a bad one is a start-up error).</summary>
    /// <exception cref="FormatException">A malformed <c>redis://</c> URL.</exception>
    /// <exception cref="KeyRingUnavailableException">The ring cannot be read or made.</exception>
    /// <exception cref="InvalidDataException">It holds something that is not a key ring.</exception>
    /// <param name="ring">The file or <c>redis://</c> URL.</param>
    /// <param name="make">Whether to make the ring when there is none (a node's first start), or refuse (<c>devserve keys</c>:
    /// a mistyped ring, or a Redis that lost its data, must not get a fresh ring the running nodes would switch to).</param>
    public static KeyRing Ring(string ring, bool make = true)
    {
        var keys = IsRedis(ring) ? KeyRings.Redis(ring) : KeyRing.File(ring);
        if (!make && !keys.Exists())
        {
            throw new KeyRingUnavailableException(
                $"{keys.Storage.Name}: there is no key ring there. A node started with --stateless and this --key-ring makes it.");
        }
        _ = keys.Entries;
        return keys;
    }

    /// <summary>Why Redis would not bound the store (printed as a warning at start), or <c>null</c>.</summary>
    public static string? Warning(IStore store) => (store as RedisStore)?.BoundProblem();

    // Anything else with a scheme is a mistake (http://, rediss://), not a relative path named "http:".
    private static bool IsRedis(string value)
    {
        if (value.StartsWith("redis://", StringComparison.OrdinalIgnoreCase) || value.StartsWith("rediss://", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }
        return value.Contains("://", StringComparison.Ordinal)
            ? throw new FormatException($"{value}: not a Redis URL (redis://host[:port][/db]) or a path.")
            : false;
    }
}
